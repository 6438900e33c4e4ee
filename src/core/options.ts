// What the core client is configured with: the options (each documented once, here, with its @default), and the
// check every duration option goes through.
import type { BackoffOptions } from './backoff.ts';
import { InvalidOptionsError } from './errors.ts';
import type { Feature } from './feature.ts';
import type { Logger, LogLevel } from './logger.ts';
import type { FetchLike } from './web-api.ts';
import { MAX_TIMER_MS } from './web-api.ts';
import type { WebSocketConstructor } from '../transport/websocket.ts';

export interface CoreOptions {
  /** App-level token (`xapp-…`; anything else throws InvalidTokenError at once). Required unless `openConnection` is given. */
  appToken?: string;
  /**
   * Web API base (the simulator's in tests). Plain `http:`/`ws:` only for loopback hosts.
   * @default `'https://slack.com/api/'`
   */
  apiUrl?: string;
  /**
   * `async () => wssUrl`: each socket's one-time URL (a browser page asks its backend: `connectionUrlFrom(path)`).
   * @default `apps.connections.open` with `appToken`
   */
  openConnection?: () => Promise<string>;
  /**
   * The WebSocket constructor (injectable: a proxy, a test double). The node entry uses ws, on every Node version.
   * @default `globalThis.WebSocket`
   */
  WebSocket?: WebSocketConstructor;
  /**
   * The fetch used for apps.connections.open.
   * @default `globalThis.fetch`
   */
  fetch?: FetchLike;
  /**
   * The HTTP(S) proxy for apps.connections.open and the WebSocket: a URL (`'http://user:pass@proxy:3128'`) overrides
   * HTTPS_PROXY / HTTP_PROXY / NO_PROXY; `false` turns them off (Deno's own networking still reads them: use
   * NO_PROXY). Browsers and workerd use the platform's networking and ignore it. See "Behind a proxy".
   * @default the environment (`HTTPS_PROXY` for wss://, `HTTP_PROXY` for ws://, `NO_PROXY`)
   */
  proxy?: string | false;
  /**
   * A logger with Slack's logger methods (debug, info, warn, error, setLevel); what it gets is redacted first.
   * @default a console logger
   */
  logger?: Logger;
  /**
   * The logger's level.
   * @default `LogLevel.INFO`
   */
  logLevel?: LogLevel;
  /**
   * Recover from failures (unexpected close, dead socket, transient open errors).
   * @default `true`
   */
  autoReconnectEnabled?: boolean;
  /**
   * Rotate (make-before-break) sockets that cannot be pinged after this long; 0 disables.
   * @default `300000`
   */
  rotateAfterMs?: number;
  /**
   * Reconnect backoff: full jitter, the ceiling growing by `factor` from `initialMs` to `maxMs`; at least
   * `tooManyWebSocketsMs` after Slack refuses a socket.
   * @default `{ initialMs: 1000, maxMs: 30000, factor: 2, tooManyWebSocketsMs: 30000 }`
   */
  backoff?: BackoffOptions;
  /**
   * Close and retry a connection that sends no hello within this long.
   * @default `10000`
   */
  helloTimeoutMs?: number;
  /**
   * Never wait longer than this for the peer's side of a close.
   * @default `1000`
   */
  closeTimeoutMs?: number;
  /**
   * After a `warning`, the replaced connection stays open until Slack's `refresh_requested` (Slack still
   * routes envelopes to it); this bounds that wait.
   * @default `30000`
   */
  retireAfterWarningMs?: number;
  /**
   * A connection URL request (apps.connections.open or `openConnection`) not answered by then is retried.
   * @default `30000`
   */
  openTimeoutMs?: number;
  /**
   * Larger frames are rejected unparsed (a `malformed_frame` error).
   * @default `1048576`
   */
  maxFrameBytes?: number;
  /**
   * disconnect() keeps the sockets open (still taking envelopes) until every envelope received is acked, but
   * at most this long (Slack's ack deadline); 0 closes at once.
   * @default `3000`
   */
  drainTimeoutMs?: number;
  /**
   * Parts to build the client from: `pool(n)`, `dedupe(store)`, `pingLiveness()`, … (the full SocketModeClient
   * chooses its own; those given here come after them).
   * @default `[]`
   */
  features?: Feature[];
}

export interface DisconnectOptions {
  /** Overrides drainTimeoutMs for this call. */
  timeoutMs?: number;
  /** Aborting it ends the drain at once (as a second disconnect() does). */
  signal?: AbortSignal;
}

/** A duration (or size) option: a number >= 0 (else InvalidOptionsError), clamped to what setTimeout can wait. */
export function msOption(v: number | undefined, d: number, name: string): number {
  if (v === undefined) return d;
  // Number.isFinite is false for anything but a finite number (it does not coerce).
  if (!Number.isFinite(v) || v < 0) throw new InvalidOptionsError(`${name} must be a number >= 0`);
  // setTimeout fires at once for delays past 2^31-1 ms: clamp, so a huge value means "practically never".
  return Math.min(v, MAX_TIMER_MS);
}
