// The add-on each connection of the liveness feature gets: what a socket beyond the standard interface allows
// (ws on Node, Bun), and binary frames. Ping/pong liveness: a socket quiet for pingIntervalMs is pinged, and one
// that then receives nothing (no pong, no frame) for pongTimeoutMs is presumed dead, so a silently dead socket is
// noticed within about pingIntervalMs + pongTimeoutMs instead of at the next rotation (sockets without ping —
// Deno, browsers, workerd, undici — keep the core's scheduled rotation). Any frame is proof of life, checked
// lazily (see Liveness in ../ARCHITECTURE.md): no timer is touched per frame.
// On ws, acks written while one network read's frames are handled leave in one socket write instead of one
// syscall each, and frames come through ws's own event; binary frames are decoded, in arrival order.
import type { Connection, SocketAddOn } from '../core/connection.ts';
import type { Logger } from '../core/logger.ts';
import { parseFrame, type ParseResult } from '../core/parse.ts';
import {
  detectMessageEmitter,
  detectPing,
  detectWriteBatch,
  type PingSupport,
  type WriteBatch,
} from '../transport/websocket.ts';

/** A pong deadline firing later than this means the event loop was stalled, not that the peer was silent. */
const STALL_TOLERANCE_MS = 25;
/** A missed deadline is judged only after one more turn of the event loop has read whatever already arrived. */
const VERDICT_GRACE_MS = 50;

export interface LivenessSettings {
  /** Ping after this long without a frame; 0 disables pinging (the socket is then rotated like one that cannot ping). */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Cork the byte stream while one read's frames are handled, where it is reachable (ws). */
  coalesceWrites: boolean;
  /** Frames larger than this are rejected unparsed. */
  maxFrameBytes: number;
  logger: Logger;
  /** Pinged and nothing received (pong or frame) within pongTimeoutMs: the socket is presumed dead. */
  onDead(conn: Connection): void;
}

export function liveSocket(o: LivenessSettings): SocketAddOn {
  let ping: PingSupport | null = null;
  let batch: WriteBatch | null = null;
  let corked = false;
  // Blob frames decode asynchronously; this chain keeps frames in arrival order.
  let chain: Promise<void> | undefined;
  let unsubscribePong: (() => void) | undefined;
  /** Date.now() of the ping awaiting proof of life; 0 while watching for quiet. */
  let pingAt = 0;
  /** When the liveness timer is due (to tell a late firing, i.e. a stalled event loop). */
  let due = 0;
  /** This ping's deadline already fired late once and got a fresh window. */
  let extended = false;
  /** The deadline passed with no proof; judged at the next check. */
  let suspect = false;

  const uncork = (): void => {
    corked = false;
    try {
      batch?.uncork();
    } catch (e) {
      o.logger.debug('uncork failed', e);
    }
  };

  const frame = (conn: Connection, data: unknown): void => {
    // Frames of one network read arrive in one synchronous run: the microtask fires after the last of them.
    if (batch && !corked) {
      corked = true;
      batch.cork();
      queueMicrotask(uncork);
    }
    if (conn.state === 'closed') return;
    conn.lastFrameAt = Date.now();
    // Binary frames are decoded (and refused if they are not UTF-8 JSON) in arrival order.
    const result = parseFrame(data, o);
    if (!chain && !(result instanceof Promise)) return conn.receive(result);
    const chained: Promise<void> = (chain ?? Promise.resolve())
      .then(() => result)
      .then((r: ParseResult) => conn.receive(r))
      .catch(() => undefined)
      .then(() => {
        if (chain === chained) chain = undefined;
      });
    chain = chained;
  };

  /**
   * Lazy deadlines: frames only stamp lastFrameAt, and this timer, when it fires, works out from it what is due.
   * Quiet for pingIntervalMs: ping. Then nothing received for pongTimeoutMs: dead — unless the deadline fired
   * late (a stalled event loop could not read a pong that came meanwhile: the peer gets a fresh window with the
   * loop running), and only after one more loop turn has read what already arrived (a stall that ended just
   * before the deadline).
   */
  const check = (conn: Connection, ms: number): void => {
    due = Date.now() + ms;
    conn.schedule('ping', ms, () => onCheck(conn));
  };
  const onCheck = (conn: Connection): void => {
    if (conn.state !== 'live' || conn.dead || !ping) return;
    const now = Date.now();
    if (!pingAt || conn.lastFrameAt >= pingAt) {
      pingAt = 0;
      const quiet = now - conn.lastFrameAt;
      if (quiet < o.pingIntervalMs) return check(conn, o.pingIntervalMs - quiet);
      try {
        ping.ping();
      } catch (e) {
        o.logger.debug(`${conn.id}: ping failed`, e);
      }
      pingAt = now;
      extended = suspect = false;
      return check(conn, o.pongTimeoutMs);
    }
    if (!extended && now - due > STALL_TOLERANCE_MS) {
      o.logger.debug(`${conn.id}: pong check ${now - due} ms late (loop stalled)`);
      extended = true;
      return check(conn, o.pongTimeoutMs);
    }
    if (!suspect) {
      suspect = true;
      return check(conn, VERDICT_GRACE_MS);
    }
    conn.dead = true;
    unsubscribePong?.();
    o.logger.warn(`${conn.id}: no frame within ${o.pongTimeoutMs} ms of a ping; presumed dead`);
    o.onDead(conn);
  };

  return {
    listen(conn, socket) {
      try {
        socket.binaryType = 'arraybuffer';
      } catch {
        // Not settable everywhere; parseFrame copes with whatever arrives.
      }
      // ws: its own 'message' event, without the MessageEvent its standard interface builds for every frame.
      const on = detectMessageEmitter(socket);
      if (on) return on((data) => frame(conn, data));
      const listener = (ev: { data: unknown }): void => frame(conn, ev.data);
      socket.addEventListener('message', listener);
      return () => socket.removeEventListener('message', listener);
    },
    live(conn, socket) {
      if (o.coalesceWrites) batch = detectWriteBatch(socket);
      ping = o.pingIntervalMs > 0 ? detectPing(socket) : null;
      if (!ping) return false;
      conn.pinged = true;
      unsubscribePong = ping.onPong(() => {
        conn.lastFrameAt = Date.now();
      });
      check(conn, o.pingIntervalMs);
      return true;
    },
    stop: () => unsubscribePong?.(),
  };
}
