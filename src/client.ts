// The full SocketModeClient: the core (./core/client.ts) plus what a long-running bot wants by default —
// dedupe of redeliveries, ping liveness and coalesced writes where the socket allows them, proactive refresh
// ahead of Slack's, ack deadline warnings, and an optional bound on handler concurrency. Each lives in its own
// module under ./features; this file wires them into the core's hooks.
import type { AckFn, AckQueueDeps, AckableEnvelope } from './core/ack-queue.ts';
import {
  SocketModeClient as CoreClient,
  msOption,
  DEFAULT_CONNECTIONS,
  MAX_SLACK_CONNECTIONS,
  type ConnectedEvent,
  type CoreOptions,
  type Slot,
} from './core/client.ts';
import type { Connection, ConnectionOptions, EnvelopeFrame } from './core/connection.ts';
import { ConnectionError, DedupeError, InvalidOptionsError } from './core/errors.ts';
import type { DisconnectFrame, HelloFrame } from './core/schemas.ts';
import { MAX_TIMER_MS } from './core/web-api.ts';
import { DeadlineAckQueue } from './features/deadline.ts';
import { MemoryDedupeStore, dedupeKey, eventIdOf, type DedupeStore } from './features/dedupe.ts';
import { HandlerQueue } from './features/handler-queue.ts';
import { LiveConnection } from './features/liveness.ts';
import { watchSilence } from './features/silence.ts';

export interface SocketModeOptions extends CoreOptions {
  /**
   * Pool size: live connections to keep, 1–10. Default 1. Slack routes each envelope to one of them; the client
   * acks on the connection it came on, and replaces connections one at a time (never more than n+1 sockets,
   * and never more than Slack's cap of 10).
   */
  connections?: number;
  /**
   * Where the socket can ping (ws, Bun): ping once nothing has been received for this long (a busy socket is never
   * pinged: any frame is proof of life). Default 1000; 0 disables pinging.
   */
  pingIntervalMs?: number;
  /**
   * Nothing received (pong or any frame) this long after a ping = dead socket, replaced make-before-break; a
   * stalled event loop gets a fresh window. Default 1000: a silently dead socket is replaced within ~2.1 s.
   */
  pongTimeoutMs?: number;
  /** Warn when an envelope is not acked after this long (Slack's deadline is 3 s). Default 2500; 0 disables. */
  ackDeadlineWarnMs?: number;
  /**
   * Where the socket's byte stream is reachable (ws on Node), acks written while one network read's frames are
   * handled leave in one write instead of one syscall each. Default true; false writes every frame at once.
   */
  coalesceWrites?: boolean;
  /** Suppress redeliveries (event_id) and repeated envelopes (envelope_id). Default in-memory; false disables. */
  dedupe?: DedupeStore | false;
  /**
   * Replace each connection make-before-break once this fraction of hello's `approximate_connection_time` has
   * passed, before Slack refreshes it. Slot i of n waits an extra 0.05·i/n of the time, so a pool does not
   * rotate all at once. Default 0.85; false disables.
   */
  proactiveRefresh?: number | false;
  /**
   * At most this many envelopes in user handlers at once (an envelope is "in" a handler until every promise its
   * handlers returned has settled). Default: unbounded. Envelopes beyond the bound wait in a FIFO queue.
   */
  maxConcurrentHandlers?: number;
  /**
   * Bound on that queue (only with maxConcurrentHandlers). When it is full an envelope is shed: acked without a
   * payload (so Slack does not retry it into an overloaded app), not delivered, and reported on `error` as a
   * HandlerQueueFullError. Default 1000.
   */
  maxQueuedEnvelopes?: number;
  /**
   * An envelope still waiting in the queue after this long is acked without a payload, so Slack's 3 s deadline
   * is met; its handler still runs later, and its ack() then resolves without sending (a payload given to it is
   * dropped with a warning: reply through response_url). Default 2000; 0 disables.
   */
  queuedAckMs?: number;
}

/** @slack/socket-mode option names, and what to use here instead. */
const OFFICIAL_OPTIONS: ReadonlyArray<[string, string]> = [
  ['clientOptions', 'use apiUrl and fetch'],
  ['clientPingTimeout', 'use pongTimeoutMs'],
  ['serverPingTimeout', "the socket answers Slack's pings"],
  ['pingPongLoggingEnabled', "use logLevel: 'debug'"],
];

export class SocketModeClient extends CoreClient {
  declare private readonly live: { pingIntervalMs: number; pongTimeoutMs: number; coalesceWrites: boolean };
  declare private readonly proactiveAt: number | false;
  declare private readonly dedupe: DedupeStore | undefined;
  // The default store is asked without building a key string.
  declare private readonly memoryDedupe: MemoryDedupeStore | undefined;
  /** envelope_id -> dedupe key forgotten because a handler failed before any ack (see handlerFailed); at most 1000. */
  private readonly forgottenBeforeAck = new Map<string, string>();
  declare private readonly handlers: HandlerQueue | undefined;
  /** A pool: counts envelopes per member to find one gone silent (features/silence.ts). */
  declare private readonly silence: ((conn: Connection) => void) | undefined;

  constructor(opts: SocketModeOptions) {
    super(opts);
    const n = opts.connections ?? DEFAULT_CONNECTIONS;
    if (!Number.isInteger(n) || n < 1 || n > MAX_SLACK_CONNECTIONS) {
      throw new InvalidOptionsError('connections must be an integer from 1 to 10');
    }
    this.poolSize = n;
    // A member that received nothing while its siblings received many envelopes: presumed dead, replaced
    // make-before-break (with connections: 10, closed first: budgetFull), and cut off at once when retired.
    if (n > 1) {
      this.silence = watchSilence(
        this.later.bind(this),
        () => this.slots,
        (c) => {
          c.dead = true;
          this.replace(c, 'silent');
        },
      );
    }
    this.live = {
      pingIntervalMs: msOption(opts.pingIntervalMs, 1000, 'pingIntervalMs'),
      pongTimeoutMs: msOption(opts.pongTimeoutMs, 1000, 'pongTimeoutMs'),
      coalesceWrites: opts.coalesceWrites !== false,
    };
    const pr = opts.proactiveRefresh ?? 0.85;
    if (pr !== false && (typeof pr !== 'number' || !(pr > 0 && pr < 1))) {
      throw new InvalidOptionsError('proactiveRefresh must be > 0 and < 1, or false');
    }
    this.proactiveAt = pr;
    const limit = opts.maxConcurrentHandlers ?? Infinity;
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
      throw new InvalidOptionsError('maxConcurrentHandlers must be a positive integer');
    }
    const maxQueued = opts.maxQueuedEnvelopes ?? 1000;
    if (!Number.isInteger(maxQueued) || maxQueued < 0)
      throw new InvalidOptionsError('maxQueuedEnvelopes must be an integer >= 0');
    const queuedAckMs = msOption(opts.queuedAckMs, 2000, 'queuedAckMs');
    if (limit !== Infinity) {
      this.handlers = new HandlerQueue({
        limit,
        maxQueued,
        queuedAckMs,
        logger: this.logger,
        // Dispatch, collecting the promises the handlers return (the envelope holds its slot until they settle).
        run: (conn, parsed, ack) => {
          const collected: Array<Promise<unknown>> = [];
          const prev = this.collecting;
          this.collecting = collected;
          try {
            this.dispatch(conn, parsed, ack);
          } finally {
            this.collecting = prev;
          }
          return collected;
        },
        onShed: (e) => this.emitError(e),
      });
    }
    this.dedupe = opts.dedupe === false ? undefined : (opts.dedupe ?? new MemoryDedupeStore());
    if (this.dedupe && Object.getPrototypeOf(this.dedupe) === MemoryDedupeStore.prototype)
      this.memoryDedupe = this.dedupe as MemoryDedupeStore;
    // Options of @slack/socket-mode that mean nothing here: a migrating app (in plain JS) is told, not ignored.
    for (const [name, instead] of OFFICIAL_OPTIONS) {
      if (name in opts) this.logger.warn(`Option ${name} is @slack/socket-mode's and is ignored here; ${instead}`);
    }
  }

  /** Envelopes in user handlers now, and waiting for a handler slot (maxConcurrentHandlers). */
  get handlerStats(): { active: number; queued: number } {
    return { active: this.handlers?.active ?? 0, queued: this.handlers?.queued ?? 0 };
  }

  // Called from the core's constructor: only `this.opts` (set by then) may be read here.
  protected override createAckQueue(deps: AckQueueDeps): DeadlineAckQueue {
    return new DeadlineAckQueue(
      deps,
      msOption((this.opts as SocketModeOptions).ackDeadlineWarnMs, 2500, 'ackDeadlineWarnMs'),
    );
  }

  // ---------------------------------------------------------------- pool

  /** Slots with no usable connection go before slots whose connection still works but is being replaced. */
  protected override ensureAll(): void {
    for (const first of [true, false]) {
      for (const s of this.slots) {
        const c = s.current;
        if (first === (!c || c.dead || c.state === 'closing' || c.state === 'closed')) this.ensure(s);
      }
    }
  }

  /**
   * With connections: 10 there is no room for a replacement while every slot holds its socket (Slack's cap), and
   * rotation is the only way a socket that cannot be pinged is ever found dead (half-open): it breaks before make,
   * one slot at a time, while every other slot is live. Rotation we start ourselves has that race anyway
   * (redeliveries are deduped). A socket Slack is refreshing is left to that.
   */
  protected override budgetFull(slot: Slot, c: Connection): void {
    // A socket presumed dead holds a place in the budget for nothing: let it go so its slot can reconnect.
    if (c.dead && c.state === 'live') return void c.close(1000, 'pong timeout');
    if (
      this.poolSize < MAX_SLACK_CONNECTIONS ||
      !c.rotating ||
      c.keepUntilRefresh ||
      c.slackClosing ||
      c.state !== 'live'
    )
      return;
    if (this.conns.size !== this.poolSize) return;
    for (const s of this.slots) {
      const cur = s.current;
      if (s.fetching || s.next || !cur || cur.state !== 'live' || cur.dead || (s !== slot && cur.isScheduled('drain')))
        return;
    }
    this.closeWhenDrained(c, 'rotate');
  }

  protected override createConnection(o: ConnectionOptions): Connection {
    // A pinged socket missed its pong: replace it make-before-break (it may still deliver until it closes).
    return new LiveConnection({
      ...o,
      ...this.live,
      onDead: (conn) => {
        if (this.stopped) return;
        const slot = this.slotOf(conn);
        if (this.opts.autoReconnectEnabled === false && slot?.current === conn) {
          // No recovery wanted: a dead live socket ends the client, as an unexpected close does.
          return this.fatal(new ConnectionError(`connection ${conn.id}: no pong within ${this.live.pongTimeoutMs} ms`));
        }
        // A replaced (retired) or not-yet-live socket: nothing waits on it.
        if (!slot || slot.current !== conn) return void conn.close(1000, 'pong timeout');
        this.emit('reconnecting', {
          slot: slot.index,
          reason: 'pong_timeout',
          delayMs: 0,
          attempt: 0,
          makeBeforeBreak: true,
        });
        this.checkLiveLoss('pong_timeout');
        this.ensure(slot);
      },
    });
  }

  protected override connected(conn: Connection, slot: Slot, hello: HelloFrame, ev: ConnectedEvent): void {
    this.silence?.(conn);
    if (ev.ghosts > 0) {
      // Stale sockets Slack has not dropped yet, or another process on this app.
      this.logger.warn(
        `${ev.ghosts} ghost connection(s) take envelopes: Slack counts ${ev.num_connections}, this client holds ${ev.held} (stale, or another process)`,
      );
      this.emit('ghost_connections', {
        connection_id: conn.id,
        slot: slot.index,
        num_connections: ev.num_connections!,
        held: ev.held,
        ghosts: ev.ghosts,
      });
    }
    // Replace `conn` make-before-break before Slack would refresh it: at `proactiveRefresh` of hello's
    // approximate_connection_time, plus a per-slot stagger so a pool that connected together does not rotate
    // together (and, once staggered, stays staggered).
    const sec = hello.debug_info?.approximate_connection_time;
    if (this.proactiveAt === false || typeof sec !== 'number' || !Number.isFinite(sec) || sec <= 0) return;
    // (The numbers are written in place: a named constant costs bundle bytes.) Stagger: 0.05·i/n; never sooner than
    // 1 s after hello, whatever approximate_connection_time says.
    const fraction = Math.min(0.99, this.proactiveAt + (0.05 * slot.index) / this.poolSize);
    const ms = Math.min(MAX_TIMER_MS, Math.max(1000, Math.round(sec * 1000 * fraction)));
    conn.schedule('proactive_refresh', ms, () => {
      if (slot.current !== conn || conn.state !== 'live' || conn.draining || conn.dead) return;
      this.logger.info(
        `Slot ${slot.index}: ${conn.id} is ${Math.round(fraction * 100)} % through its expected life; replacing it`,
      );
      this.replace(conn, 'connection_time');
    });
  }

  /**
   * too_many_websockets: Slack refused this socket (the app has its maximum). Close it and back off with a long
   * floor (every slot's next open waits too: more attempts only make it worse); other connections carry on.
   */
  protected override onDisconnectFrame(conn: Connection, frame: DisconnectFrame): void {
    const slot = this.slotOf(conn);
    if (frame.reason !== 'too_many_websockets' || this.stopped || !slot) return super.onDisconnectFrame(conn, frame);
    // A socket already replaced (kept open after a `warning`) just goes: its slot is healthy.
    const inUse = slot.next === conn || slot.current === conn;
    conn.draining = true;
    void conn.close(1000, 'too many websockets');
    if (slot.next === conn) slot.next = undefined;
    if (slot.current === conn) slot.current = undefined;
    const floor = slot.backoff.tooManyWebSocketsMs;
    this.openNotBefore = Math.max(this.openNotBefore, Date.now() + floor);
    // `conns` holds every socket short of closed, this one included (it just delivered a frame).
    const held = this.conns.size - 1;
    this.logger.warn(
      `Slack refused ${conn.id}: too_many_websockets (Slack counts ${frame.num_connections ?? '?'}, this client holds ${held}); ` +
        `backing off at least ${floor} ms`,
    );
    if (inUse) this.scheduleRetry(slot, 'too_many_websockets', floor);
    this.emit('too_many_websockets', {
      slot: slot.index,
      connection_id: conn.id,
      num_connections: frame.num_connections,
      held,
      delayMs: floor,
    });
  }

  // ---------------------------------------------------------------- dedupe

  protected override onEnvelope(conn: Connection, parsed: EnvelopeFrame): void {
    this.silence?.(conn);
    const store = this.dedupe;
    if (!store) return this.admit(conn, parsed);
    const eventId = eventIdOf(parsed);
    let seen: boolean | Promise<boolean>;
    let key: string | undefined;
    try {
      const memory = this.memoryDedupe;
      if (memory)
        seen = eventId !== undefined ? memory.seenEvent(eventId) : memory.seenEnvelope(parsed.frame.envelope_id);
      else seen = store.seen((key = dedupeKey(parsed.frame.envelope_id, eventId)));
    } catch (e) {
      this.emitError(new DedupeError(e));
      return this.admit(conn, parsed);
    }
    // A synchronous store (the default) answers at once: no promise, no closure.
    if (seen === true) return this.duplicate(conn, parsed);
    if (seen === false) return this.admit(conn, parsed);
    // The client may have stopped while the store answered: the envelope is then dropped unacked, and its key
    // (just recorded) forgotten, so Slack's redelivery is handled instead of swallowed as a duplicate. Until
    // then it counts as unacked on `conn`, so a graceful disconnect() waits for it.
    conn.unacked++;
    const settled = (dup: boolean): void => {
      conn.unacked--;
      if (this.ignoring) {
        if (!dup) this.callStore(key!, 'forget');
        return;
      }
      if (dup) this.duplicate(conn, parsed);
      else this.admit(conn, parsed);
      this.drain?.();
    };
    seen.then(settled, (e: unknown) => {
      this.emitError(new DedupeError(e));
      settled(false);
    });
  }

  private duplicate(conn: Connection, parsed: EnvelopeFrame): void {
    if (this.ignoring) return;
    const env = parsed.frame;
    this.logger.debug(`Envelope ${env.envelope_id}: duplicate (retry ${env.retry_attempt ?? 0}); acked, not delivered`);
    void this.acks.autoAck(env.envelope_id, conn).catch(() => undefined);
  }

  protected override handlerFailed(type: string, e: unknown, arg: unknown): void {
    // An envelope handler's argument (a primitive or null has no envelope_id).
    const a = arg as
      { envelope_id?: unknown; ack?: unknown; type?: unknown; body?: { event_id?: unknown } } | null | undefined;
    // Failed before anything acked: Slack will redeliver, and that retry must reach the handlers again
    // (at least once), not be swallowed by dedupe as a duplicate.
    if (this.dedupe && type !== 'error' && typeof a?.envelope_id === 'string' && !this.acks.attempted(a.ack)) {
      const eventId = a.type === 'events_api' && typeof a.body?.event_id === 'string' ? a.body.event_id : undefined;
      const key = dedupeKey(a.envelope_id, eventId);
      this.callStore(key, 'forget');
      // Another handler of the same envelope may still ack it: the key is then recorded again (ackAttempted).
      const pending = this.forgottenBeforeAck;
      pending.set(a.envelope_id, key);
      if (pending.size > 1000) pending.delete(pending.keys().next().value!);
    }
    super.handlerFailed(type, e, arg);
  }

  /** An envelope whose key a failing handler had forgotten was acked by another: it is known again. */
  protected override ackAttempted(env: AckableEnvelope): void {
    const key = this.forgottenBeforeAck.get(env.envelope_id);
    if (key !== undefined && this.forgottenBeforeAck.delete(env.envelope_id)) this.callStore(key, 'seen');
  }

  /** Records (seen) or forgets `key` in the store: its failure (sync or async) is reported, never thrown. */
  private callStore(key: string, op: 'seen' | 'forget'): void {
    const store = this.dedupe;
    if (!store) return;
    try {
      void Promise.resolve(store[op]?.(key)).catch((e: unknown) => this.emitError(new DedupeError(e)));
    } catch (e) {
      this.emitError(new DedupeError(e));
    }
  }

  // ---------------------------------------------------------------- handler bound

  protected override deliver(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): void {
    if (this.handlers) this.handlers.admit(conn, parsed, ack);
    else this.dispatch(conn, parsed, ack);
  }

  /**
   * Envelopes still waiting for a handler slot and not yet acked are dropped: Slack redelivers them, and their
   * dedupe keys are forgotten so the redelivery is handled, not swallowed as a duplicate. Those already acked
   * (queuedAckMs) stay queued: Slack will not send them again, so their handlers run as slots free up.
   */
  protected override stopping(): void {
    const handlers = this.handlers;
    if (!handlers) return;
    for (const parsed of handlers.dropUnacked())
      this.callStore(dedupeKey(parsed.frame.envelope_id, eventIdOf(parsed)), 'forget');
    if (handlers.queued > 0) {
      this.logger.info(`${handlers.queued} acked envelope(s) still wait for a handler slot; they will run`);
    }
  }
}
