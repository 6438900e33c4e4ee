// Typed errors. Each has a stable `code`; every message is redacted at construction so a token can never
// leak through `err.message`, `String(err)` or a stack trace (the stack's first line is the redacted message).
// Fields are `declare`d and assigned in the constructor: a plain field declaration would be emitted (and bundled)
// once more for each.
import { describe } from './describe.ts';
import { redact, redactValue } from './redact.ts';

export { describe };

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
  | 'connection_url_unavailable'
  | 'proxy_error'
  | 'fleet_error';

export class SocketModeError extends Error {
  override name = 'SocketModeError';
  declare readonly code: SocketModeErrorCode;
  constructor(code: SocketModeErrorCode, message: string, options?: { cause?: unknown }) {
    // The cause is kept as a redacted copy: a handler may reject with anything, tokens included.
    super(redact(message), options && 'cause' in options ? { cause: redactValue(options.cause) } : undefined);
    this.code = code;
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

/** A non-wss (or non-https) URL whose host is not loopback. `url` is redacted and cut to 200 characters. */
export class InsecureUrlError extends SocketModeError {
  override name = 'InsecureUrlError';
  declare readonly url: string;
  constructor(url: string, expected: string) {
    const safe = redact(String(url)).slice(0, 200);
    super('insecure_url', `Insecure URL ${safe}: expected ${expected} (plain text to loopback only)`);
    this.url = safe;
  }
}

export class NoWebSocketError extends SocketModeError {
  override name = 'NoWebSocketError';
  constructor() {
    super('no_websocket', 'No WebSocket: pass the `WebSocket` option (Node 20: use the main entry)');
  }
}

export type MalformedFrameReason =
  'decode_failed' | 'too_large' | 'not_json' | 'not_object' | 'schema' | 'unknown_frame' | 'unsupported_data';

/** A frame that never reaches user code. `raw` is redacted and truncated to ~200 characters. */
export class MalformedFrameError extends SocketModeError {
  override name = 'MalformedFrameError';
  declare readonly reason: MalformedFrameReason;
  declare readonly raw: string;
  declare readonly details: string | undefined;
  constructor(reason: MalformedFrameReason, raw: string, details?: string) {
    super('malformed_frame', `Malformed frame (${reason})${details ? `: ${details}` : ''}`);
    // Only the start is kept: redacting a whole frame (up to maxFrameBytes) per bad frame would make a flood of
    // them costly. A token cut at 400 still matches the redaction pattern, and only 200 characters are shown.
    const r = redact(raw.slice(0, 400));
    this.reason = reason;
    this.raw = r.length > 200 || raw.length > 400 ? `${r.slice(0, 200)}…` : r;
    this.details = details && redact(details);
  }
}

/** `{ok: false, error}` from the Web API. `slackError` is Slack's error string. */
export class SlackApiError extends SocketModeError {
  override name = 'SlackApiError';
  declare readonly method: string;
  declare readonly slackError: string;
  declare readonly status: number;
  declare readonly fatal: boolean;
  constructor(method: string, slackError: string, status = 200, fatal = false) {
    super('slack_api_error', `Slack API ${method} failed: ${slackError}`);
    this.method = method;
    this.slackError = redact(slackError);
    this.status = status;
    this.fatal = fatal;
  }
}

/** HTTP 429. `retryAfterMs` comes from the Retry-After header. */
export class RateLimitedError extends SocketModeError {
  override name = 'RateLimitedError';
  declare readonly method: string;
  declare readonly retryAfterMs: number;
  constructor(method: string, retryAfterMs: number) {
    super('rate_limited', `Slack API ${method} rate limited: retry after ${Math.round(retryAfterMs / 1000)} s`);
    this.method = method;
    this.retryAfterMs = retryAfterMs;
  }
}

export class HttpError extends SocketModeError {
  override name = 'HttpError';
  declare readonly method: string;
  declare readonly status: number;
  constructor(method: string, status: number, detail = '') {
    super('http_error', `HTTP ${status} from ${method}${detail && `: ${detail}`}`);
    this.method = method;
    this.status = status;
  }
}

export class NetworkError extends SocketModeError {
  override name = 'NetworkError';
  declare readonly method: string;
  /** `url`: where the request went, when it is worth showing (a Web API URL; never a response_url). */
  constructor(method: string, cause: unknown, url?: string) {
    // fetch's own message is often just "fetch failed"; why (ECONNREFUSED, ENOTFOUND…) is on its cause.
    const why = (cause as { cause?: { message?: unknown; code?: unknown } } | undefined)?.cause;
    const detail = why?.message || why?.code;
    super(
      'network_error',
      `Network error calling ${method}${url ? ` at ${url}` : ''}: ${describe(cause)}${detail ? ` (${detail})` : ''}`,
      { cause },
    );
    this.method = method;
  }
}

/** Slack silently drops acks over 20 KB, so they are refused locally. */
export class AckTooLargeError extends SocketModeError {
  override name = 'AckTooLargeError';
  declare readonly envelopeId: string;
  declare readonly bytes: number;
  declare readonly limit: number;
  constructor(envelopeId: string, bytes: number, limit: number) {
    super('ack_too_large', `Ack for envelope ${envelopeId} is ${bytes} bytes; Slack drops acks over ${limit} bytes`);
    this.envelopeId = envelopeId;
    this.bytes = bytes;
    this.limit = limit;
  }
}

export class AckError extends SocketModeError {
  override name = 'AckError';
  declare readonly envelopeId: string;
  constructor(envelopeId: string, message: string, options?: { cause?: unknown }) {
    super('ack_failed', `Ack for envelope ${envelopeId} failed: ${message}`, options);
    this.envelopeId = envelopeId;
  }
}

/** Slack sent `disconnect` with reason `link_disabled`: Socket Mode is off for the app. Reconnecting stops. */
export class LinkDisabledError extends SocketModeError {
  override name = 'LinkDisabledError';
  constructor() {
    super('link_disabled', 'Slack disabled Socket Mode for this app (link_disabled)');
  }
}

/** A user handler threw or rejected. `event` is the event name, `envelopeId` set for envelope events. */
export class HandlerError extends SocketModeError {
  override name = 'HandlerError';
  declare readonly event: string;
  declare readonly envelopeId: string | undefined;
  constructor(event: string, cause: unknown, envelopeId?: string) {
    super('handler_error', `Handler for "${event}" failed: ${describe(cause)}`, { cause });
    this.event = event;
    this.envelopeId = envelopeId;
  }
}

export class ConnectionError extends SocketModeError {
  override name = 'ConnectionError';
  declare readonly connectionId: string | undefined;
  constructor(message: string, connectionId?: string, options?: { cause?: unknown }) {
    super('connection_error', message, options);
    this.connectionId = connectionId;
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
  declare readonly envelopeId: string;
  declare readonly envelopeType: string;
  constructor(envelopeId: string, envelopeType: string, queued: number) {
    super(
      'handler_queue_full',
      `Envelope ${envelopeId} (${envelopeType}) shed: every handler slot busy, ${queued} queued; acked, not delivered`,
    );
    this.envelopeId = envelopeId;
    this.envelopeType = envelopeType;
  }
}

/**
 * A proxy between the client and Slack failed: unreachable, refused the tunnel (407, 403, 502…), or answered in
 * the server's place (an HTML page to the WebSocket handshake). `proxy` is its URL without credentials;
 * `status` what it answered, if it answered.
 */
export class ProxyError extends SocketModeError {
  override name = 'ProxyError';
  declare readonly proxy: string;
  declare readonly status: number | undefined;
  constructor(proxy: string, message: string, status?: number, options?: { cause?: unknown }) {
    super('proxy_error', message, options);
    this.proxy = proxy;
    this.status = status;
  }
}
