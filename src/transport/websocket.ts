// WebSocket constructor resolution and feature detection (ping/pong, write batching, terminate).
// Runtime neutral: only the standard WebSocket surface is assumed; extras are detected, never required.

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

// Set by a platform entry (src/platform/node.ts) so browser/workerd bundles never include `ws`.
let platformWebSocket: WebSocketConstructor | undefined;
let platformOverGlobal = false;

/**
 * Registers the platform's WebSocket. By default it is used only where `globalThis.WebSocket` is absent;
 * `overGlobal` makes it win over the global one too (Node: ws can ping and its writes can be coalesced;
 * Node 22+'s global undici WebSocket can do neither).
 */
export function setDefaultWebSocket(ctor: WebSocketConstructor | undefined, opts: { overGlobal?: boolean } = {}): void {
  platformWebSocket = ctor;
  platformOverGlobal = ctor !== undefined && opts.overGlobal === true;
}

/** Explicit option, else a platform WebSocket registered overGlobal, else the runtime's global, else the platform's. */
export function resolveWebSocket(explicit?: WebSocketConstructor): WebSocketConstructor | undefined {
  if (explicit) return explicit;
  if (platformOverGlobal) return platformWebSocket;
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  return typeof g === 'function' ? g : platformWebSocket;
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
