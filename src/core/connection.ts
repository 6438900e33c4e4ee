// One WebSocket: open, wait for hello, liveness (ping where the socket exposes it, rotation where it does not),
// and a close that never waits on the peer for more than closeTimeoutMs. Policy (what to do when a connection
// dies, drains or rotates) belongs to the client; this module only reports.
import { parseFrame, type ParsedFrame, type ParseResult } from './parse.ts';
import type { DisconnectFrame, HelloFrame } from './schemas.ts';
import type { MalformedFrameError } from './errors.ts';
import type { Logger } from './logger.ts';
import {
  WS_OPEN,
  detectPing,
  detectWriteBatch,
  terminate,
  type PingSupport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WriteBatch,
} from '../transport/websocket.ts';

export type EnvelopeFrame = Extract<ParsedFrame, { kind: 'events_api' | 'slash_commands' | 'interactive' | 'unknown_envelope' }>;

export interface ConnectionCloseInfo {
  code: number;
  reason: string;
  /** true when this side asked for the close (replacement, disconnect(), refusal). */
  requested: boolean;
  /** Why, when the connection itself decided: 'hello_timeout', 'socket_error', 'close_timeout', … */
  cause: string;
}

export interface ConnectionEvents {
  onHello(conn: Connection, hello: HelloFrame): void;
  onDisconnectFrame(conn: Connection, frame: DisconnectFrame): void;
  onEnvelope(conn: Connection, env: EnvelopeFrame): void;
  onMalformed(conn: Connection, err: MalformedFrameError): void;
  /** Pinged and no pong within pongTimeoutMs: the socket is presumed half-open. */
  onDead(conn: Connection): void;
  /** rotateAfterMs elapsed on a socket that cannot be pinged. */
  onRotateDue(conn: Connection): void;
  onClosed(conn: Connection, info: ConnectionCloseInfo): void;
}

export interface ConnectionOptions {
  id: string;
  slot: number;
  url: string;
  WebSocket: WebSocketConstructor;
  helloTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  rotateAfterMs: number;
  closeTimeoutMs: number;
  maxFrameBytes: number;
  /** Cork the byte stream while one read's frames are handled, where it is reachable (ws). */
  coalesceWrites: boolean;
  logger: Logger;
  events: ConnectionEvents;
}

export type ConnectionState = 'connecting' | 'awaiting_hello' | 'live' | 'closing' | 'closed';

/** Timers the client ties to one connection's life. */
export type ConnectionTimer = 'proactive_refresh' | 'drain' | 'retire';

type Timer = ReturnType<typeof setTimeout>;

export class Connection {
  readonly id: string;
  readonly slot: number;
  state: ConnectionState = 'connecting';
  /** Slack announced a refresh (or rotation is due): a replacement should be made, this one still works. */
  draining = false;
  /**
   * Replaced after a `warning`: Slack keeps routing envelopes here until it sends `refresh_requested`, and a
   * standard WebSocket drops frames that arrive once we have called close(). So we leave it open until then.
   */
  keepUntilRefresh = false;
  /** Missed a pong: still open as far as the runtime knows, but presumed dead. */
  dead = false;
  /** Slack said it is closing this connection (refresh_requested or an unknown reason): it routes nothing here. */
  slackClosing = false;
  /** Envelopes delivered on this connection and handed to user code whose ack has not been made yet. */
  unacked = 0;
  /** Why the client closes this connection once `unacked` reaches 0 (while the 'drain' timer is pending). */
  drainReason = '';
  hello: HelloFrame | undefined;
  readonly closed: Promise<ConnectionCloseInfo>;

  private socket: WebSocketLike | undefined;
  private ping: PingSupport | null = null;
  private batch: WriteBatch | null = null;
  private corked = false;
  private unsubscribePong: (() => void) | undefined;
  private helloTimer: Timer | undefined;
  private pingTimer: Timer | undefined;
  private pongTimer: Timer | undefined;
  private rotateTimer: Timer | undefined;
  private closeTimer: Timer | undefined;
  private closeRequested = false;
  private closeCause = '';
  private resolveClosed!: (info: ConnectionCloseInfo) => void;
  // Blob frames decode asynchronously; this chain keeps frames in arrival order.
  private frameChain: Promise<void> | undefined;
  private readonly o: ConnectionOptions;
  private readonly listeners: Array<[string, (ev: any) => void]> = [];
  // The client's timers for this connection: they end when it starts closing, so nothing outlives it.
  private readonly owned = new Map<ConnectionTimer, Timer>();

  constructor(opts: ConnectionOptions) {
    this.o = opts;
    this.id = opts.id;
    this.slot = opts.slot;
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** True if an ack can be written now: socket open, hello seen, not presumed dead. */
  get canSend(): boolean {
    return this.state === 'live' && !this.dead && this.socket?.readyState === WS_OPEN;
  }

  get pingable(): boolean {
    return this.ping !== null;
  }

  open(): void {
    const o = this.o;
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      if (this.state === 'connecting' || this.state === 'awaiting_hello') {
        o.logger.warn(`Connection ${this.id}: no hello within ${o.helloTimeoutMs} ms; closing`);
        this.close(4000, 'hello timeout', 'hello_timeout');
      }
    }, o.helloTimeoutMs);
    let socket: WebSocketLike;
    try {
      socket = new o.WebSocket(o.url);
    } catch (e) {
      o.logger.warn(`Connection ${this.id}: WebSocket constructor failed`, e);
      this.closeCause = 'socket_error';
      // Report asynchronously so the caller finishes its bookkeeping first.
      queueMicrotask(() => this.finalize(1006, 'constructor failed'));
      return;
    }
    this.socket = socket;
    try {
      socket.binaryType = 'arraybuffer';
    } catch {
      // Not settable everywhere; frameToText copes with whatever arrives.
    }
    // ws throws on an 'error' event nobody listens to: this listener stays for the socket's whole life.
    socket.addEventListener('error', () => {});
    this.listen('open', () => {
      if (this.state === 'connecting') this.state = 'awaiting_hello';
    });
    this.listen('message', (ev: { data: unknown }) => this.onMessage(ev.data));
    this.listen('error', (ev: { message?: string; error?: unknown }) => {
      if (this.state === 'closed') return;
      o.logger.debug(`Connection ${this.id}: socket error`, ev?.message ?? ev?.error ?? '');
      if (!this.closeCause) this.closeCause = 'socket_error';
      // Most runtimes follow with 'close'; if one does not, close() bounds the wait.
      this.close(1006, 'socket error', this.closeCause);
    });
    this.listen('close', (ev: { code?: number; reason?: string }) => {
      this.finalize(typeof ev?.code === 'number' ? ev.code : 1006, typeof ev?.reason === 'string' ? ev.reason : '');
    });
  }

  /** Runs `fn` after `ms` unless this connection starts closing first; replaces a pending `name`. */
  schedule(name: ConnectionTimer, ms: number, fn: () => void): void {
    this.unschedule(name);
    if (this.state === 'closing' || this.state === 'closed') return;
    this.owned.set(
      name,
      setTimeout(() => {
        this.owned.delete(name);
        fn();
      }, ms),
    );
  }

  /** Cancels `name`; true if it was pending. */
  unschedule(name: ConnectionTimer): boolean {
    const t = this.owned.get(name);
    if (t === undefined) return false;
    clearTimeout(t);
    this.owned.delete(name);
    return true;
  }

  isScheduled(name: ConnectionTimer): boolean {
    return this.owned.has(name);
  }

  private unscheduleAll(): void {
    for (const t of this.owned.values()) clearTimeout(t);
    this.owned.clear();
  }

  send(text: string): boolean {
    if (!this.canSend || !this.socket) return false;
    try {
      this.socket.send(text);
      return true;
    } catch (e) {
      this.o.logger.debug(`Connection ${this.id}: send failed`, e);
      return false;
    }
  }

  /**
   * Start a close: send a close frame, and if the peer does not finish the handshake within closeTimeoutMs,
   * terminate() where available and consider the socket closed anyway.
   */
  close(code = 1000, reason = '', cause = 'requested'): Promise<ConnectionCloseInfo> {
    if (this.state === 'closed' || this.state === 'closing') return this.closed;
    if (cause === 'requested') this.closeRequested = true;
    if (!this.closeCause) this.closeCause = cause;
    this.state = 'closing';
    this.unscheduleAll();
    this.stopLiveness();
    this.clear('helloTimer');
    const s = this.socket;
    if (s) {
      try {
        s.close(code >= 4000 || code === 1000 ? code : 1000, reason);
      } catch {
        // Closing while CONNECTING throws in some runtimes; the timeout below still finishes the job.
      }
    }
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      if (s) terminate(s);
      this.finalize(1006, 'close timeout');
    }, this.o.closeTimeoutMs);
    return this.closed;
  }

  private listen(type: string, fn: (ev: any) => void): void {
    this.socket!.addEventListener(type, fn);
    this.listeners.push([type, fn]);
  }

  private onMessage(data: unknown): void {
    if (this.state === 'closed') return;
    // Frames of one network read arrive in one synchronous run: the microtask fires after the last of them.
    if (this.batch !== null && !this.corked) {
      this.corked = true;
      this.batch.cork();
      queueMicrotask(this.uncork);
    }
    let result: ParseResult | Promise<ParseResult>;
    try {
      result = parseFrame(data, this.o);
    } catch {
      return; // parseFrame never throws; this only guards the contract.
    }
    if (this.frameChain || result instanceof Promise) {
      const chained: Promise<void> = (this.frameChain ?? Promise.resolve())
        .then(() => result)
        .then((r) => this.handle(r))
        .catch(() => undefined)
        .then(() => {
          if (this.frameChain === chained) this.frameChain = undefined;
        });
      this.frameChain = chained;
      return;
    }
    this.handle(result);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    try {
      this.batch?.uncork();
    } catch (e) {
      this.o.logger.debug(`Connection ${this.id}: uncork failed`, e);
    }
  };

  private handle(r: ParseResult): void {
    if (this.state === 'closed') return;
    const ev = this.o.events;
    if (!r.ok) return ev.onMalformed(this, r.error);
    switch (r.kind) {
      case 'hello':
        if (this.state === 'connecting' || this.state === 'awaiting_hello') {
          this.state = 'live';
          this.hello = r.frame;
          this.clear('helloTimer');
          this.startLiveness();
          if (this.o.coalesceWrites && this.socket) this.batch = detectWriteBatch(this.socket);
          ev.onHello(this, r.frame);
        } else {
          this.o.logger.debug(`Connection ${this.id}: extra hello ignored`);
        }
        return;
      case 'disconnect':
        return ev.onDisconnectFrame(this, r.frame);
      default:
        return ev.onEnvelope(this, r);
    }
  }

  private startLiveness(): void {
    const o = this.o;
    const socket = this.socket;
    if (!socket) return;
    this.ping = o.pingIntervalMs > 0 ? detectPing(socket) : null;
    if (this.ping) {
      this.unsubscribePong = this.ping.onPong(() => this.clear('pongTimer'));
      this.schedulePing();
    } else if (o.rotateAfterMs > 0) {
      // Silence is not death on an idle Slack link, so sockets we cannot ping are rotated instead.
      this.rotateTimer = setTimeout(() => {
        this.rotateTimer = undefined;
        if (this.state === 'live') o.events.onRotateDue(this);
      }, o.rotateAfterMs);
    }
  }

  private schedulePing(): void {
    this.pingTimer = setTimeout(() => {
      this.pingTimer = undefined;
      if (this.state !== 'live' || this.dead || !this.ping) return;
      try {
        this.ping.ping();
      } catch (e) {
        this.o.logger.debug(`Connection ${this.id}: ping failed`, e);
      }
      if (!this.pongTimer) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = undefined;
          if (this.state !== 'live') return;
          this.dead = true;
          this.stopLiveness();
          this.o.logger.warn(`Connection ${this.id}: no pong within ${this.o.pongTimeoutMs} ms; presumed dead`);
          this.o.events.onDead(this);
        }, this.o.pongTimeoutMs);
      }
      this.schedulePing();
    }, this.o.pingIntervalMs);
  }

  private stopLiveness(): void {
    this.clear('pingTimer');
    this.clear('pongTimer');
    this.clear('rotateTimer');
    this.unsubscribePong?.();
    this.unsubscribePong = undefined;
  }

  private clear(name: 'helloTimer' | 'pingTimer' | 'pongTimer' | 'rotateTimer' | 'closeTimer'): void {
    const t = this[name];
    if (t !== undefined) clearTimeout(t);
    this[name] = undefined;
  }

  private finalize(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.unscheduleAll();
    this.stopLiveness();
    this.clear('helloTimer');
    this.clear('closeTimer');
    const s = this.socket;
    if (s) {
      for (const [type, fn] of this.listeners) {
        try {
          s.removeEventListener(type, fn);
        } catch {
          // ignore
        }
      }
      // A socket we stop listening to must not linger half-open (e.g. a close after 'error').
      if (s.readyState !== 3) {
        try {
          s.close();
        } catch {
          // ignore
        }
        if (reason === 'close timeout' || this.dead) terminate(s);
      }
    }
    this.listeners.length = 0;
    const info: ConnectionCloseInfo = {
      code,
      reason,
      requested: this.closeRequested,
      cause: this.closeCause || 'remote',
    };
    this.resolveClosed(info);
    this.o.events.onClosed(this, info);
  }
}
