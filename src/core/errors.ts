// Typed errors. Each has a stable `code`; every message is redacted at construction so a token can never
// leak through `err.message`, `String(err)` or a stack trace.
import { redact, redactValue } from './redact.ts';

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
  override name = 'SocketModeError';
  readonly code: SocketModeErrorCode;
  constructor(code: SocketModeErrorCode, message: string, options?: { cause?: unknown }) {
    super(redact(message));
    this.code = code;
    if (options && 'cause' in options) {
      // Keep the cause but never an unredacted message on it.
      // A string or plain object (a handler may reject with anything) is redacted too; any other object is kept
      // only as its redacted description.
      const c = options.cause;
      let safe: unknown;
      if (c instanceof Error) safe = Object.assign(new Error(redact(c.message)), { name: c.name });
      else {
        safe = redactValue(c);
        if (safe === c && typeof c === 'object' && c !== null) safe = redact(describe(c));
      }
      (this as { cause?: unknown }).cause = safe;
    }
    if (typeof this.stack === 'string') this.stack = redact(this.stack);
  }
}

/** appToken missing or not an app-level (xapp-) token. Thrown by the constructor, before any network call. */
export class InvalidTokenError extends SocketModeError {
  override name = 'InvalidTokenError';
  constructor(message: string) {
    super('invalid_token', message);
  }
}

export class InvalidOptionsError extends SocketModeError {
  override name = 'InvalidOptionsError';
  constructor(message: string) {
    super('invalid_options', message);
  }
}

/** A non-wss (or non-https) URL whose host is not loopback. */
export class InsecureUrlError extends SocketModeError {
  override name = 'InsecureUrlError';
  readonly url: string;
  constructor(url: string, expected: string) {
    const safe = redact(String(url)).slice(0, 200);
    super('insecure_url', `Refusing insecure URL ${safe}: expected ${expected} (plain text only for loopback hosts)`);
    this.url = safe;
  }
}

export class NoWebSocketError extends SocketModeError {
  override name = 'NoWebSocketError';
  constructor() {
    super('no_websocket', 'No WebSocket: pass the `WebSocket` option (on Node 20 the package entry registers ws)');
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
  override name = 'MalformedFrameError';
  readonly reason: MalformedFrameReason;
  readonly raw: string;
  readonly details: string | undefined;
  constructor(reason: MalformedFrameReason, raw: string, details?: string) {
    super('malformed_frame', `Malformed frame (${reason})${details ? `: ${details}` : ''}`);
    this.reason = reason;
    const r = redact(raw);
    this.raw = r.length > 200 ? `${r.slice(0, 200)}…` : r;
    this.details = details && redact(details);
  }
}

/** `{ok: false, error}` from the Web API. `slackError` is Slack's error string. */
export class SlackApiError extends SocketModeError {
  override name = 'SlackApiError';
  readonly slackError: string;
  constructor(
    readonly method: string,
    slackError: string,
    readonly status = 200,
    readonly fatal = false,
  ) {
    super('slack_api_error', `Slack API ${method} failed: ${slackError}`);
    this.slackError = redact(slackError);
  }
}

/** HTTP 429. `retryAfterMs` comes from the Retry-After header. */
export class RateLimitedError extends SocketModeError {
  override name = 'RateLimitedError';
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
  ) {
    super('rate_limited', `Slack API ${method} rate limited: retry after ${Math.round(retryAfterMs / 1000)} s`);
  }
}

export class HttpError extends SocketModeError {
  override name = 'HttpError';
  constructor(
    readonly method: string,
    readonly status: number,
    detail = '',
  ) {
    super('http_error', `HTTP ${status} from ${method}${detail && `: ${detail}`}`);
  }
}

export class NetworkError extends SocketModeError {
  override name = 'NetworkError';
  /** `url`: where the request went, when it is worth showing (a Web API URL; never a response_url). */
  constructor(
    readonly method: string,
    cause: unknown,
    url?: string,
  ) {
    // fetch's own message is often just "fetch failed"; why (ECONNREFUSED, ENOTFOUND…) is on its cause.
    const why = cause instanceof Error && cause.cause instanceof Error ? cause.cause : undefined;
    const detail = why ? why.message || (why as { code?: unknown }).code : undefined;
    super(
      'network_error',
      `Network error calling ${method}${url ? ` at ${url}` : ''}: ${describe(cause)}${detail ? ` (${String(detail)})` : ''}`,
      { cause },
    );
  }
}

/** Slack silently drops acks over 20 KB, so they are refused locally. */
export class AckTooLargeError extends SocketModeError {
  override name = 'AckTooLargeError';
  constructor(
    readonly envelopeId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super('ack_too_large', `Ack for envelope ${envelopeId} is ${bytes} bytes; Slack drops acks over ${limit} bytes`);
  }
}

export class AckError extends SocketModeError {
  override name = 'AckError';
  constructor(
    readonly envelopeId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('ack_failed', `Ack for envelope ${envelopeId} failed: ${message}`, options);
  }
}

/** Slack sent `disconnect` with reason `link_disabled`: Socket Mode is off for the app. Reconnecting stops. */
export class LinkDisabledError extends SocketModeError {
  override name = 'LinkDisabledError';
  constructor() {
    super('link_disabled', 'Slack disabled the Socket Mode link for this app; not reconnecting');
  }
}

/** A user handler threw or rejected. `event` is the event name, `envelopeId` set for envelope events. */
export class HandlerError extends SocketModeError {
  override name = 'HandlerError';
  constructor(
    readonly event: string,
    cause: unknown,
    readonly envelopeId?: string,
  ) {
    super('handler_error', `Handler for "${event}" failed: ${describe(cause)}`, { cause });
  }
}

export class ConnectionError extends SocketModeError {
  override name = 'ConnectionError';
  constructor(
    message: string,
    readonly connectionId?: string,
    options?: { cause?: unknown },
  ) {
    super('connection_error', message, options);
  }
}

/** The client was disconnected (by `disconnect()` or a fatal error) while something was pending. */
export class DisconnectedError extends SocketModeError {
  override name = 'DisconnectedError';
  constructor(message = 'Client disconnected') {
    super('disconnected', message);
  }
}

export class DedupeError extends SocketModeError {
  override name = 'DedupeError';
  constructor(cause: unknown) {
    super('dedupe_error', `Dedupe store failed: ${describe(cause)}; delivering anyway`, { cause });
  }
}

/**
 * `maxConcurrentHandlers` handlers were busy and `maxQueuedEnvelopes` envelopes were already waiting: this one
 * was acked (without a payload, so Slack does not retry it into an overloaded app) and not delivered.
 */
export class HandlerQueueFullError extends SocketModeError {
  override name = 'HandlerQueueFullError';
  constructor(
    readonly envelopeId: string,
    readonly envelopeType: string,
    queued: number,
  ) {
    super(
      'handler_queue_full',
      `Envelope ${envelopeId} (${envelopeType}) shed: every handler slot is busy and ${queued} envelopes are already queued; acked, not delivered`,
    );
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
  } catch {
    try {
      return String(e);
    } catch {
      return 'unprintable value';
    }
  }
}
