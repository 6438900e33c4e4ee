// One WebSocket: open, wait for hello, hand on each frame parsed, close without waiting on the peer for more than
// closeTimeoutMs. A socket that cannot be pinged is rotated after rotateAfterMs (silence is not death on an idle
// Slack link). Policy (what to do when a connection closes, drains or rotates) belongs to the client; this only
// reports. What a socket beyond the standard interface allows (pings, binary frames, write coalescing) comes from an
// add-on the client gives it (../features/liveness.ts), not from a subclass.
import type { ConnectionCloseInfo, ConnectionOptions } from './connection-contract.ts';
import { MalformedFrameError } from './errors.ts';
import { parseText, type ParseResult } from './parse.ts';
import type { HelloFrame } from './schemas.ts';
import { WS_OPEN, closeReason, terminate, type WebSocketLike } from '../transport/websocket.ts';

export type * from './connection-contract.ts';

export type ConnectionState = 'connecting' | 'awaiting_hello' | 'live' | 'closing' | 'closed';

/** Named timers of one connection; the client's own (drain, retire, proactive_refresh) end when it starts closing. */
export type ConnectionTimer =
  'hello' | 'rotate' | 'close' | 'drain' | 'retire' | 'proactive_refresh' | 'ping' | 'pong' | 'healthy';

// Fields without an initializer are `declare`d: a plain declaration would be emitted (and bundled) for each.
export class Connection {
  declare readonly id: string;
  declare readonly slot: number;
  state: ConnectionState = 'connecting';
  /**
   * Why a replacement was asked for ('warning', 'refresh_requested', 'rotate', 'connection_time', 'silent', …); this
   * one still works until it closes. Undefined while it simply serves its slot.
   */
  declare replacing?: string | undefined;
  /**
   * What Slack said of routing here. 'warned': it keeps routing envelopes here until `refresh_requested`, and a
   * standard WebSocket drops frames that arrive once we have called close(), so a replaced socket stays open until
   * then. 'stopped' (refresh_requested, an unknown reason): it routes nothing here. Undefined: it routes here.
   */
  declare slack?: 'warned' | 'stopped';
  /** Missed a pong (liveness), or silent in a pool: still open as far as the runtime knows, but presumed dead. */
  dead = false;
  /** Its liveness is watched by ping (set by the add-on that pings it): silence in a pool is no evidence then. */
  declare pinged?: boolean;
  /** Envelopes delivered on this connection and handed to user code whose ack has not been made yet. */
  unacked = 0;
  /** Why the client closes this connection once `unacked` reaches 0 (while the 'drain' timer is pending). */
  declare drainReason?: string;
  /** Date.now() of the last frame received (any frame, malformed too; a pong where the socket can ping): proof of life. */
  lastFrameAt = 0;
  declare hello: HelloFrame | undefined;
  /** The error its socket's first `error` event carried: a platform's SocketModeError (a ProxyError) is reported as is. */
  declare failure: unknown;
  declare readonly closed: Promise<ConnectionCloseInfo>;

  declare private socket: WebSocketLike | undefined;
  declare private readonly o: ConnectionOptions;
  private readonly timers = new Map<ConnectionTimer, ReturnType<typeof setTimeout>>();
  private closeRequested = false;
  declare private closeCause?: string;
  /** The socket error's message, if any: reported with the close (a 1007 from ws says why only here). */
  declare private socketError: string | undefined;
  declare private resolveClosed: (info: ConnectionCloseInfo) => void;
  /** Undoes every listener this connection put on its socket (run when it is closed). */
  private readonly cleanup: Array<() => void> = [];

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

  open(): void {
    // Closed before it was opened (a handler of the client's 'authenticated' event stopped the client): no socket.
    if (this.state !== 'connecting') return;
    const o = this.o;
    // Reported by the client (an error naming hello_timeout), as every close it did not ask for. The timer ends
    // with the hello or the close, so it fires only while the connection waits for its hello.
    this.timer('hello', o.helloTimeoutMs, () => void this.close(4000, 'hello timeout', 'hello_timeout'));
    let socket: WebSocketLike;
    try {
      socket = new o.WebSocket(o.url);
    } catch (e) {
      // Reported with the close (the client's error names it).
      this.socketError = String(e);
      this.closeCause = 'socket_error';
      // Reported asynchronously so the caller finishes its bookkeeping first.
      queueMicrotask(() => this.finalize(1006, 'constructor failed'));
      return;
    }
    this.socket = socket;
    // ws throws on an 'error' event nobody listens to: this listener stays for the socket's whole life.
    socket.addEventListener('error', () => {});
    this.listen('open', () => {
      if (this.state === 'connecting') this.state = 'awaiting_hello';
    });
    if (o.addOn) this.cleanup.push(o.addOn.listen(this, socket));
    else this.listen('message', (ev: { data: unknown }) => this.onMessage(ev.data));
    // Removed when the connection is closed.
    this.listen('error', (ev: { message?: string; error?: unknown }) => {
      // Its message goes with the close info (logged by the client with the close).
      this.socketError ||= ev?.message;
      this.failure ||= ev?.error;
      this.closeCause ||= 'socket_error';
      // Most runtimes follow with 'close'; if one does not, close() bounds the wait.
      void this.close(1006, 'socket error', this.closeCause);
    });
    this.listen('close', (ev: { code?: number; reason?: string }) => {
      this.finalize(typeof ev?.code === 'number' ? ev.code : 1006, typeof ev?.reason === 'string' ? ev.reason : '');
    });
  }

  /** For the client: runs `fn` after `ms` unless this connection starts closing first; replaces a pending `name`. */
  schedule(name: ConnectionTimer, ms: number, fn: () => void): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.timer(name, ms, fn);
  }

  /** Cancels `name`; true if it was pending. */
  unschedule(name: ConnectionTimer): boolean {
    clearTimeout(this.timers.get(name));
    return this.timers.delete(name);
  }

  isScheduled(name: ConnectionTimer): boolean {
    return this.timers.has(name);
  }

  private timer(name: ConnectionTimer, ms: number, fn: () => void): void {
    this.unschedule(name);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        fn();
      }, ms),
    );
  }

  private clearTimers(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  send(text: string): boolean {
    if (!this.canSend) return false;
    try {
      this.socket!.send(text);
      return true;
    } catch (e) {
      this.o.logger.debug(`${this.id}: send failed`, e);
      return false;
    }
  }

  /**
   * Starts a close: a close frame, and if the peer does not finish the handshake within closeTimeoutMs,
   * terminate() where available and consider the socket closed anyway.
   */
  close(code = 1000, reason = '', cause = 'requested'): Promise<ConnectionCloseInfo> {
    if (this.state === 'closed' || this.state === 'closing') return this.closed;
    if (cause === 'requested') this.closeRequested = true;
    this.closeCause ||= cause;
    this.state = 'closing';
    this.clearTimers();
    const s = this.socket;
    if (!s) {
      // Never opened (or its constructor failed): nothing to wait for. Reported asynchronously, as from open().
      queueMicrotask(() => this.finalize(code, reason));
      return this.closed;
    }
    try {
      s.close(code >= 4000 || code === 1000 ? code : 1000, closeReason(reason));
    } catch {
      // Not seen to throw while CONNECTING (Node ws and undici, Deno, Bun, workerd); an invalid code does. The timeout
      // below still finishes the job.
    }
    this.timer('close', this.o.closeTimeoutMs, () => {
      terminate(s);
      this.finalize(1006, 'close timeout');
    });
    // A dead socket cannot finish a close handshake: end it now, so Slack stops routing here as soon as our FIN or
    // RST reaches it, not closeTimeoutMs later.
    if (this.dead) terminate(s);
    return this.closed;
  }

  private listen(type: string, fn: (ev: any) => void): void {
    const s = this.socket!;
    s.addEventListener(type, fn);
    this.cleanup.push(() => s.removeEventListener(type, fn));
  }

  /** Slack sends text frames only: anything else is a malformed frame here (the liveness add-on decodes it). */
  private onMessage(data: unknown): void {
    if (this.state === 'closed') return;
    this.lastFrameAt = Date.now();
    this.receive(
      typeof data === 'string'
        ? parseText(data, this.o)
        : { ok: false, error: new MalformedFrameError('unsupported_data', '', 'not a text frame') },
    );
  }

  /** One parsed frame (an add-on stamps lastFrameAt itself): to the client, by kind. */
  receive(r: ParseResult): void {
    if (this.state === 'closed') return;
    const ev = this.o.events;
    if (!r.ok) return ev.onMalformed(this, r.error);
    switch (r.kind) {
      case 'hello':
        if (this.state !== 'connecting' && this.state !== 'awaiting_hello') {
          this.o.logger.debug(`${this.id}: extra hello`);
          return;
        }
        this.state = 'live';
        this.hello = r.frame;
        this.unschedule('hello');
        // The core cannot ping: it rotates the socket on a schedule instead, unless an add-on watches it.
        if (!this.o.addOn?.live(this, this.socket!) && this.o.rotateAfterMs > 0) {
          this.timer('rotate', this.o.rotateAfterMs, () => {
            if (this.state === 'live') ev.onRotateDue(this);
          });
        }
        return ev.onHello(this, r.frame);
      case 'disconnect':
        return ev.onDisconnectFrame(this, r.frame);
      default:
        return ev.onReceived(this, r);
    }
  }

  private finalize(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimers();
    const s = this.socket;
    if (s) {
      this.o.addOn?.stop();
      for (const off of this.cleanup) {
        try {
          off();
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
    this.cleanup.length = 0;
    const info: ConnectionCloseInfo = {
      code,
      reason,
      requested: this.closeRequested,
      cause: this.closeCause || 'remote',
      error: this.socketError,
    };
    this.resolveClosed(info);
    this.o.events.onClosed(this, info);
  }
}
