// The full client's connection: what a socket beyond the standard interface allows (ws on Node, Bun), and binary
// frames. Ping/pong liveness: a socket quiet for pingIntervalMs is pinged, and one that then receives nothing
// (no pong, no frame) for pongTimeoutMs is presumed dead, so a silently dead socket is noticed within about
// pingIntervalMs + pongTimeoutMs instead of at the next rotation (sockets without ping — Deno, browsers, workerd,
// undici — keep the core's scheduled rotation). Any frame is proof of life, checked lazily (see Liveness in
// ../ARCHITECTURE.md): no timer is touched per frame.
// On ws, acks written while one network read's frames are handled leave in one socket write instead of one
// syscall each, and frames come through ws's own event; binary frames are decoded, in arrival order.
import { Connection, type ConnectionOptions } from '../core/connection.ts';
import { slotOf, stopped, type Core } from '../core/context.ts';
import { ConnectionError } from '../core/errors.ts';
import { emit } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { msOption } from '../core/options.ts';
import { fatal } from '../core/shutdown.ts';
import { checkLiveLoss, ensure } from '../core/slots.ts';
import { parseFrame } from '../core/parse.ts';
import {
  detectMessageEmitter,
  detectPing,
  detectWriteBatch,
  terminate,
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
}

export interface LiveConnectionOptions extends ConnectionOptions, LivenessSettings {
  /** Pinged and nothing received (pong or frame) within pongTimeoutMs: the socket is presumed dead. */
  onDead(conn: Connection): void;
}

export class LiveConnection extends Connection {
  declare private ping?: PingSupport | null;
  declare private batch?: WriteBatch | null;
  declare private corked?: boolean;
  // Blob frames decode asynchronously; this chain keeps frames in arrival order.
  declare private frameChain: Promise<void> | undefined;
  declare private unsubscribePong: (() => void) | undefined;
  /** Date.now() of the ping awaiting proof of life; 0 while watching for quiet. */
  declare private pingAt?: number;
  /** When the liveness timer is due (to tell a late firing, i.e. a stalled event loop). */
  declare private due: number;
  /** This ping's deadline already fired late once and got a fresh window. */
  declare private extended?: boolean;
  /** The deadline passed with no proof; judged at the next check. */
  declare private suspect?: boolean;
  declare private readonly live: LiveConnectionOptions;

  constructor(opts: LiveConnectionOptions) {
    super(opts);
    this.live = opts;
  }

  override open(): void {
    super.open();
    try {
      if (this.socket) this.socket.binaryType = 'arraybuffer';
    } catch {
      // Not settable everywhere; parseFrame copes with whatever arrives.
    }
  }

  /** ws: its own 'message' event, without the MessageEvent its standard interface builds for every frame. */
  protected override listenMessages(): void {
    const on = detectMessageEmitter(this.socket!);
    if (!on) return super.listenMessages();
    this.cleanup.push(on((data) => this.onMessage(data)));
  }

  protected override onMessage(data: unknown): void {
    // Frames of one network read arrive in one synchronous run: the microtask fires after the last of them.
    if (this.batch && !this.corked) {
      this.corked = true;
      this.batch.cork();
      queueMicrotask(this.uncork);
    }
    if (typeof data === 'string' && !this.frameChain) return super.onMessage(data);
    if (this.state === 'closed') return;
    this.lastFrameAt = Date.now();
    // Binary frames are decoded (and refused if they are not UTF-8 JSON) in arrival order.
    const result = parseFrame(data, this.o);
    if (!this.frameChain && !(result instanceof Promise)) return this.handle(result);
    const chained: Promise<void> = (this.frameChain ?? Promise.resolve())
      .then(() => result)
      .then((r) => this.handle(r))
      .catch(() => undefined)
      .then(() => {
        if (this.frameChain === chained) this.frameChain = undefined;
      });
    this.frameChain = chained;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    try {
      this.batch?.uncork();
    } catch (e) {
      this.o.logger.debug(`${this.id}: uncork failed`, e);
    }
  };

  protected override startLiveness(): void {
    const o = this.live;
    const socket = this.socket!;
    if (o.coalesceWrites) this.batch = detectWriteBatch(socket);
    this.ping = o.pingIntervalMs > 0 ? detectPing(socket) : null;
    if (!this.ping) return super.startLiveness();
    this.unsubscribePong = this.ping.onPong(() => {
      this.lastFrameAt = Date.now();
    });
    this.check(o.pingIntervalMs);
  }

  private check(ms: number): void {
    this.due = Date.now() + ms;
    this.timer('ping', ms, this.onCheck);
  }

  /**
   * Lazy deadlines: frames only stamp lastFrameAt, and this timer, when it fires, works out from it what is due.
   * Quiet for pingIntervalMs: ping. Then nothing received for pongTimeoutMs: dead — unless the deadline fired
   * late (a stalled event loop could not read a pong that came meanwhile: the peer gets a fresh window with the
   * loop running), and only after one more loop turn has read what already arrived (a stall that ended just
   * before the deadline).
   */
  private readonly onCheck = (): void => {
    const o = this.live;
    if (this.state !== 'live' || this.dead || !this.ping) return;
    const now = Date.now();
    if (!this.pingAt || this.lastFrameAt >= this.pingAt) {
      this.pingAt = 0;
      const quiet = now - this.lastFrameAt;
      if (quiet < o.pingIntervalMs) return this.check(o.pingIntervalMs - quiet);
      try {
        this.ping.ping();
      } catch (e) {
        o.logger.debug(`${this.id}: ping failed`, e);
      }
      this.pingAt = now;
      this.extended = this.suspect = false;
      return this.check(o.pongTimeoutMs);
    }
    if (!this.extended && now - this.due > STALL_TOLERANCE_MS) {
      o.logger.debug(`${this.id}: pong check ${now - this.due} ms late (loop stalled)`);
      this.extended = true;
      return this.check(o.pongTimeoutMs);
    }
    if (!this.suspect) {
      this.suspect = true;
      return this.check(VERDICT_GRACE_MS);
    }
    this.dead = true;
    this.stopLiveness();
    o.logger.warn(`${this.id}: no frame within ${o.pongTimeoutMs} ms of a ping; presumed dead`);
    o.onDead(this);
  };

  override close(code?: number, reason?: string, cause?: string): ReturnType<Connection['close']> {
    const closed = super.close(code, reason, cause);
    // A dead socket cannot finish a close handshake: end it now, so Slack stops routing here as soon as our FIN
    // or RST reaches it, not closeTimeoutMs later.
    if (this.dead && this.socket) terminate(this.socket);
    return closed;
  }

  protected override stopLiveness(): void {
    this.unsubscribePong?.();
    this.unsubscribePong = undefined;
  }
}

export interface LivenessOptions {
  /**
   * Where the socket can ping (ws, Bun): ping once nothing has been received for this long (a busy socket is never
   * pinged: any frame is proof of life); 0 disables pinging.
   * @default 1000
   */
  pingIntervalMs?: number;
  /**
   * Nothing received (pong or any frame) this long after a ping = dead socket, replaced make-before-break; a
   * stalled event loop gets a fresh window. A silently dead socket is replaced within ~2.1 s.
   * @default 1000
   */
  pongTimeoutMs?: number;
  /**
   * Where the socket's byte stream is reachable (ws on Node), acks written while one network read's frames are
   * handled leave in one write instead of one syscall each; false writes every frame at once.
   * @default true
   */
  coalesceWrites?: boolean;
}

/**
 * pingLiveness(): sockets that ping where the runtime allows (a dead one is replaced make-before-break), take
 * binary frames, and coalesce writes on ws.
 */
export function pingLiveness(o: LivenessOptions = {}): Feature {
  const settings: LivenessSettings = {
    pingIntervalMs: msOption(o.pingIntervalMs, 1000, 'pingIntervalMs'),
    pongTimeoutMs: msOption(o.pongTimeoutMs, 1000, 'pongTimeoutMs'),
    coalesceWrites: o.coalesceWrites !== false,
  };
  return defineFeature((c) => ({
    // A pinged socket missed its pong: replace it make-before-break (it may still deliver until it closes).
    connection: (co) => new LiveConnection({ ...co, ...settings, onDead: (conn) => onDead(c, conn, settings) }),
  }));
}

function onDead(c: Core, conn: Connection, s: LivenessSettings): void {
  if (stopped(c)) return;
  const slot = slotOf(c, conn);
  if (c.opts.autoReconnectEnabled === false && slot?.current === conn) {
    // No recovery wanted: a dead live socket ends the client, as an unexpected close does.
    return fatal(c, new ConnectionError(`connection ${conn.id}: no pong within ${s.pongTimeoutMs} ms`));
  }
  // A replaced (retired) or not-yet-live socket: nothing waits on it.
  if (!slot || slot.current !== conn) return void conn.close(1000, 'pong timeout');
  emit(c, 'reconnecting', { slot: slot.index, reason: 'pong_timeout', delayMs: 0, attempt: 0, makeBeforeBreak: true });
  checkLiveLoss(c, 'pong_timeout');
  ensure(c, slot);
}
