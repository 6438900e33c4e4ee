// WebSocket constructor resolution and feature detection (ping/pong, write batching, terminate).
// Runtime neutral: only the standard WebSocket surface is assumed; extras are detected, never required.
import type { FetchLike } from '../core/web-api.ts';

/** The part of the standard WebSocket the client uses. ws, Bun, Deno, browsers and workerd all have it. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: any) => void, options?: unknown): void;
  removeEventListener(type: string, listener: (ev: any) => void, options?: unknown): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export const WS_CONNECTING = 0;
export const WS_OPEN = 1;
export const WS_CLOSING = 2;
export const WS_CLOSED = 3;

/** The options a platform entry reads to give a client its networking. */
export interface PlatformNetworkOptions {
  WebSocket?: WebSocketConstructor;
  fetch?: FetchLike;
  proxy?: string | false;
}

/**
 * A platform entry's networking (src/platform/*): given a client's own copy of its options, the WebSocket to use
 * (the one given, else the platform's); it may fill in `fetch` (Node: ws and fetch through a proxy).
 */
export type PlatformNetwork = (opts: PlatformNetworkOptions) => WebSocketConstructor | undefined;

// Set by a platform entry so browser/workerd bundles never include `ws` or proxy code.
let platform: PlatformNetwork | undefined;

/** Registers the platform's networking: it wins over `globalThis.WebSocket` (Node 22+'s cannot ping). */
export function setPlatformNetwork(fn: PlatformNetwork | undefined): void {
  platform = fn;
}

/** The platform's networking for these options, else the explicit option, else the runtime's global. */
export function resolveWebSocket(opts: PlatformNetworkOptions): WebSocketConstructor | undefined {
  if (platform) return platform(opts);
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return opts.WebSocket ?? (typeof g === 'function' ? g : undefined);
}

export interface PingSupport {
  ping(): void;
  /** Subscribe to pongs; returns an unsubscribe function. */
  onPong(fn: () => void): () => void;
}

type Emitterish = {
  ping?: (data?: unknown) => void;
  on?: (ev: string, fn: () => void) => unknown;
  off?: (ev: string, fn: () => void) => unknown;
  removeListener?: (ev: string, fn: () => void) => unknown;
  terminate?: () => void;
};

/**
 * ws (Node): `ping()` + `'pong'` via `.on`. Bun: `ping()` + a 'pong' event. Everything else (Deno, browsers,
 * workerd, undici's global WebSocket) has no ping: returns null and the client never judges those by silence.
 */
export function detectPing(socket: WebSocketLike): PingSupport | null {
  const s = socket as unknown as Emitterish;
  if (typeof s.ping !== 'function') return null;
  const ping = (): void => {
    s.ping!.call(socket);
  };
  if (typeof s.on === 'function') {
    return {
      ping,
      onPong(fn) {
        s.on!.call(socket, 'pong', fn);
        return () => {
          const off = s.off ?? s.removeListener;
          off?.call(socket, 'pong', fn);
        };
      },
    };
  }
  return {
    ping,
    onPong(fn) {
      socket.addEventListener('pong', fn);
      return () => socket.removeEventListener('pong', fn);
    },
  };
}

/**
 * ws (Node): subscribe to frames through its EventEmitter ('message' with data and isBinary), which skips the
 * MessageEvent its standard interface allocates per frame; text frames are handed on as strings. Returns an
 * unsubscribe function; null where the socket is not ws.
 */
export function detectMessageEmitter(socket: WebSocketLike): ((fn: (data: unknown) => void) => () => void) | null {
  const s = socket as unknown as Emitterish & { _socket?: unknown };
  if (typeof s.on !== 'function' || typeof s.off !== 'function' || !('_socket' in s)) return null;
  return (fn) => {
    const listener = (data: unknown, isBinary?: boolean): void => fn(isBinary ? data : String(data));
    s.on!.call(socket, 'message', listener as () => void);
    return () => s.off!.call(socket, 'message', listener as () => void);
  };
}

export interface WriteBatch {
  cork(): void;
  uncork(): void;
}

/**
 * ws (Node) writes each frame to its net.Socket at once: one syscall per ack. Its socket can be corked, so the
 * acks written while one read's frames are handled leave in a single write. Elsewhere (no reachable byte
 * stream) null: frames are written as the runtime does it.
 */
export function detectWriteBatch(socket: WebSocketLike): WriteBatch | null {
  const raw = (socket as { _socket?: { cork?: unknown; uncork?: unknown; writable?: unknown } })._socket as
    WriteBatch | undefined;
  // The byte stream itself: its own cork() and uncork(), called on it.
  return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' ? raw : null;
}

/** The longest close reason a close frame holds, in UTF-8 bytes: close() throws on more in every runtime. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `reason` cut to what close() accepts (a reason can come from Slack: a disconnect frame's own reason), at a
 * character boundary. A longer one makes close() throw (SyntaxError in Deno, Bun, workerd, browsers and undici;
 * RangeError in ws), and the socket would only go at closeTimeoutMs, without a close frame.
 */
export function closeReason(reason: string): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes.
  if (reason.length * 3 <= MAX_CLOSE_REASON_BYTES) return reason;
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return reason;
  let end = MAX_CLOSE_REASON_BYTES;
  // Back to the first byte of the character the cut falls in (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** Hard close without waiting for the peer (ws, Bun). Returns false where unavailable. */
export function terminate(socket: WebSocketLike): boolean {
  const s = socket as unknown as Emitterish;
  if (typeof s.terminate !== 'function') return false;
  try {
    s.terminate.call(socket);
    return true;
  } catch {
    return false;
  }
}
