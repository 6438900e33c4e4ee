// Typed errors. Each has a stable `code`; every message is redacted at construction so a token can never
// leak through `err.message`, `String(err)` or a stack trace.
import { redact } from './redact.ts';

export type SocketModeErrorCode =
  | 'invalid_token'
  | 'invalid_options'
  | 'insecure_url'
  | 'no_websocket'
  | 'malformed_frame'
  | 'slack_api_error'
  | 'rate_limited'
  | 'http_error'
  | 'network_error'
  | 'ack_too_large'
  | 'ack_failed'
  | 'link_disabled'
  | 'handler_error'
  | 'connection_error'
  | 'disconnected'
  | 'dedupe_error'
  | 'handler_queue_full'
  | 'connection_url_unavailable';

export class SocketModeError extends Error {
  readonly code: SocketModeErrorCode;
  constructor(code: SocketModeErrorCode, message: string, options?: { cause?: unknown }) {
    super(redact(message));
    this.name = 'SocketModeError';
    this.code = code;
    if (options && 'cause' in options) {
      // Keep the cause but never an unredacted message on it.
      const c = options.cause;
      (this as { cause?: unknown }).cause =
        c instanceof Error ? Object.assign(new Error(redact(c.message)), { name: c.name }) : c;
    }
    if (typeof this.stack === 'string') this.stack = redact(this.stack);
  }
}

/** appToken missing or not an app-level (xapp-) token. Thrown by the constructor, before any network call. */
export class InvalidTokenError extends SocketModeError {
  constructor(message: string) {
    super('invalid_token', message);
    this.name = 'InvalidTokenError';
  }
}

export class InvalidOptionsError extends SocketModeError {
  constructor(message: string) {
    super('invalid_options', message);
    this.name = 'InvalidOptionsError';
  }
}

/** A non-wss (or non-https) URL whose host is not loopback. */
export class InsecureUrlError extends SocketModeError {
  readonly url: string;
  constructor(url: string, expected: string) {
    const safe = redact(url).slice(0, 200);
    super('insecure_url', `Refusing insecure URL ${safe}: expected ${expected} (plain text is allowed for loopback hosts only)`);
    this.name = 'InsecureUrlError';
    this.url = safe;
  }
}

export class NoWebSocketError extends SocketModeError {
  constructor() {
    super(
      'no_websocket',
      'No WebSocket implementation: pass the `WebSocket` option, or on Node 20 import the package\'s node entry (it registers isomorphic-ws)',
    );
    this.name = 'NoWebSocketError';
  }
}

export type MalformedFrameReason =
  | 'decode_failed'
  | 'too_large'
  | 'not_json'
  | 'not_object'
  | 'schema'
  | 'unknown_frame'
  | 'unsupported_data';

/** A frame that never reaches user code. `raw` is redacted and truncated to ~200 characters. */
export class MalformedFrameError extends SocketModeError {
  readonly reason: MalformedFrameReason;
  readonly raw: string;
  readonly details: string | undefined;
  constructor(reason: MalformedFrameReason, raw: string, details?: string) {
    super('malformed_frame', `Malformed frame (${reason})${details ? `: ${details}` : ''}`);
    this.name = 'MalformedFrameError';
    this.reason = reason;
    this.raw = truncate(redact(raw), 200);
    this.details = details === undefined ? undefined : redact(details);
  }
}

/** `{ok: false, error}` from the Web API. `slackError` is Slack's error string. */
export class SlackApiError extends SocketModeError {
  readonly slackError: string;
  readonly method: string;
  readonly status: number;
  readonly fatal: boolean;
  constructor(method: string, slackError: string, status = 200, fatal = false) {
    super('slack_api_error', `Slack API ${method} failed: ${slackError}`);
    this.name = 'SlackApiError';
    this.method = method;
    this.slackError = redact(slackError);
    this.status = status;
    this.fatal = fatal;
  }
}

/** HTTP 429. `retryAfterMs` comes from the Retry-After header. */
export class RateLimitedError extends SocketModeError {
  readonly method: string;
  readonly retryAfterMs: number;
  constructor(method: string, retryAfterMs: number) {
    super('rate_limited', `Slack API ${method} rate limited: retry after ${Math.round(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitedError';
    this.method = method;
    this.retryAfterMs = retryAfterMs;
  }
}

export class HttpError extends SocketModeError {
  readonly status: number;
  readonly method: string;
  constructor(method: string, status: number, detail = '') {
    super('http_error', `HTTP ${status} from ${method}${detail ? `: ${detail}` : ''}`);
    this.name = 'HttpError';
    this.status = status;
    this.method = method;
  }
}

export class NetworkError extends SocketModeError {
  readonly method: string;
  constructor(method: string, cause: unknown) {
    super('network_error', `Network error calling ${method}: ${describe(cause)}`, { cause });
    this.name = 'NetworkError';
    this.method = method;
  }
}

/** Slack silently drops acks over 20 KB, so they are refused locally. */
export class AckTooLargeError extends SocketModeError {
  readonly envelopeId: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(envelopeId: string, bytes: number, limit: number) {
    super('ack_too_large', `Ack for envelope ${envelopeId} is ${bytes} bytes; Slack drops acks over ${limit} bytes`);
    this.name = 'AckTooLargeError';
    this.envelopeId = envelopeId;
    this.bytes = bytes;
    this.limit = limit;
  }
}

export class AckError extends SocketModeError {
  readonly envelopeId: string;
  constructor(envelopeId: string, message: string, options?: { cause?: unknown }) {
    super('ack_failed', `Ack for envelope ${envelopeId} failed: ${message}`, options);
    this.name = 'AckError';
    this.envelopeId = envelopeId;
  }
}

/** Slack sent `disconnect` with reason `link_disabled`: Socket Mode is off for the app. Reconnecting stops. */
export class LinkDisabledError extends SocketModeError {
  constructor() {
    super('link_disabled', 'Slack disabled the Socket Mode link (Socket Mode turned off for this app); not reconnecting');
    this.name = 'LinkDisabledError';
  }
}

/** A user handler threw or rejected. `event` is the event name, `envelopeId` set for envelope events. */
export class HandlerError extends SocketModeError {
  readonly event: string;
  readonly envelopeId: string | undefined;
  constructor(event: string, cause: unknown, envelopeId?: string) {
    super('handler_error', `Handler for "${event}" failed: ${describe(cause)}`, { cause });
    this.name = 'HandlerError';
    this.event = event;
    this.envelopeId = envelopeId;
  }
}

export class ConnectionError extends SocketModeError {
  readonly connectionId: string | undefined;
  constructor(message: string, connectionId?: string, options?: { cause?: unknown }) {
    super('connection_error', message, options);
    this.name = 'ConnectionError';
    this.connectionId = connectionId;
  }
}

/** The client was disconnected (by `disconnect()` or a fatal error) while something was pending. */
export class DisconnectedError extends SocketModeError {
  constructor(message = 'Client disconnected') {
    super('disconnected', message);
    this.name = 'DisconnectedError';
  }
}

export class DedupeError extends SocketModeError {
  constructor(cause: unknown) {
    super('dedupe_error', `Dedupe store failed: ${describe(cause)}; delivering anyway`, { cause });
    this.name = 'DedupeError';
  }
}

/**
 * `maxConcurrentHandlers` handlers were busy and `maxQueuedEnvelopes` envelopes were already waiting: this one
 * was acked (without a payload, so Slack does not retry it into an overloaded app) and not delivered.
 */
export class HandlerQueueFullError extends SocketModeError {
  readonly envelopeId: string;
  readonly envelopeType: string;
  constructor(envelopeId: string, envelopeType: string, queued: number) {
    super(
      'handler_queue_full',
      `Envelope ${envelopeId} (${envelopeType}) shed: every handler slot is busy and ${queued} envelopes are already queued; acked, not delivered`,
    );
    this.name = 'HandlerQueueFullError';
    this.envelopeId = envelopeId;
    this.envelopeType = envelopeType;
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  } catch {
    try {
      return String(e);
    } catch {
      return 'unprintable value';
    }
  }
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
