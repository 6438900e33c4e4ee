// The full client's connection: what a socket beyond the standard interface allows (ws on Node, Bun), and binary
// frames. Ping/pong liveness, so a half-open socket is noticed within pingIntervalMs + pongTimeoutMs (the pong
// wait doubled once after an event loop stall) instead of at the next rotation (sockets without ping — Deno,
// browsers, workerd, undici — keep the core's scheduled rotation);
// on ws, acks written while one network read's frames are handled leave in one socket write instead of one
// syscall each, and frames come through ws's own event; binary frames are decoded, in arrival order.
import { Connection, type ConnectionOptions } from '../core/connection.ts';
import { parseFrame } from '../core/parse.ts';
import { detectMessageEmitter, detectPing, detectWriteBatch, type PingSupport, type WriteBatch } from '../transport/websocket.ts';

/** A pong deadline firing later than this means the event loop was stalled, not that the peer was silent. */
const STALL_TOLERANCE_MS = 25;

export interface LivenessSettings {
  /** 0 disables pinging (the socket is then rotated like one that cannot ping). */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Cork the byte stream while one read's frames are handled, where it is reachable (ws). */
  coalesceWrites: boolean;
}

export interface LiveConnectionOptions extends ConnectionOptions, LivenessSettings {
  /** Pinged and no pong within pongTimeoutMs: the socket is presumed half-open. */
  onDead(conn: Connection): void;
}

export class LiveConnection extends Connection {
  private ping: PingSupport | null = null;
  private batch: WriteBatch | null = null;
  private corked = false;
  // Blob frames decode asynchronously; this chain keeps frames in arrival order.
  private frameChain: Promise<void> | undefined;
  private unsubscribePong: (() => void) | undefined;
  private readonly live: LiveConnectionOptions;

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
    if (this.batch !== null && !this.corked) {
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
      this.o.logger.debug(`Connection ${this.id}: uncork failed`, e);
    }
  };

  protected override startLiveness(): void {
    const o = this.live;
    const socket = this.socket!;
    if (o.coalesceWrites) this.batch = detectWriteBatch(socket);
    this.ping = o.pingIntervalMs > 0 ? detectPing(socket) : null;
    if (!this.ping) return super.startLiveness();
    this.unsubscribePong = this.ping.onPong(() => this.unschedule('pong'));
    this.schedulePing();
  }

  private schedulePing(): void {
    const o = this.live;
    this.timer('ping', o.pingIntervalMs, () => {
      if (this.state !== 'live' || this.dead || !this.ping) return;
      try {
        this.ping.ping();
      } catch (e) {
        o.logger.debug(`Connection ${this.id}: ping failed`, e);
      }
      if (!this.isScheduled('pong')) this.armPongDeadline(false);
      this.schedulePing();
    });
  }

  /**
   * No pong within pongTimeoutMs: dead. Unless the deadline fired late: the event loop was stalled (a long
   * synchronous handler, CPU starvation) and could not read a pong that came meanwhile, so the peer gets one
   * more pongTimeoutMs with the loop running before it is judged.
   */
  private armPongDeadline(extended: boolean): void {
    const o = this.live;
    const due = Date.now() + o.pongTimeoutMs;
    this.timer('pong', o.pongTimeoutMs, () => {
      if (this.state !== 'live') return;
      if (!extended && Date.now() - due > STALL_TOLERANCE_MS) {
        o.logger.debug(`Connection ${this.id}: pong deadline fired ${Date.now() - due} ms late (event loop stalled); waiting once more`);
        return this.armPongDeadline(true);
      }
      this.dead = true;
      this.unschedule('ping');
      this.stopLiveness();
      o.logger.warn(`Connection ${this.id}: no pong within ${o.pongTimeoutMs} ms; presumed dead`);
      o.onDead(this);
    });
  }

  protected override stopLiveness(): void {
    this.unsubscribePong?.();
    this.unsubscribePong = undefined;
  }
}
