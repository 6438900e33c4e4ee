// SocketModeClient: events (mitt, every handler wrapped), a set of connection slots kept live
// make-before-break, the reconnect loop, acks and dedupe.
import mittImport, { type Emitter, type EventType } from 'mitt';
import { ACK_DEADLINE_MS, AckQueue, handled, type AckFn, type AckPayload } from './ack-queue.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { Connection, type ConnectionCloseInfo, type EnvelopeFrame } from './connection.ts';
import { MemoryDedupeStore, type DedupeStore } from './dedupe.ts';
import {
  ConnectionError,
  DedupeError,
  DisconnectedError,
  NetworkError,
  HandlerError,
  HandlerQueueFullError,
  InsecureUrlError,
  InvalidOptionsError,
  InvalidTokenError,
  LinkDisabledError,
  NoWebSocketError,
  RateLimitedError,
  SlackApiError,
  SocketModeError,
  describe,
} from './errors.ts';
import { ConsoleLogger, LogLevel, redactingLogger, type Logger } from './logger.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './parse.ts';
import type { DisconnectFrame, HelloFrame, InnerEvent } from './schemas.ts';
import { assertSecureUrl } from './url.ts';
import { DEFAULT_API_URL, FATAL_OPEN_ERRORS, openConnectionUrl, type FetchLike } from './web-api.ts';
import { resolveWebSocket, type WebSocketConstructor } from '../transport/websocket.ts';

// mitt ships CJS-style typings: under NodeNext the default import types as the module object, while every
// ESM runtime hands over the function itself. Accept both.
type MittFn = <E extends Record<EventType, unknown>>() => Emitter<E>;
const mitt: MittFn =
  typeof mittImport === 'function' ? (mittImport as unknown as MittFn) : (mittImport as unknown as { default: MittFn }).default;

export interface SocketModeOptions {
  /** App-level token (xapp-…). Required unless `openConnection` is given. */
  appToken?: string;
  /** Web API base. Default 'https://slack.com/api/'. */
  apiUrl?: string;
  /** Returns a fresh wss URL. Default: apps.connections.open with `appToken` (a page asks its backend). */
  openConnection?: () => Promise<string>;
  /** Default: globalThis.WebSocket, else the platform fallback (isomorphic-ws on Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
  logger?: Logger;
  logLevel?: LogLevel;
  /** Recover from failures (unexpected close, dead socket, transient open errors). Default true. */
  autoReconnectEnabled?: boolean;
  /**
   * Pool size: live connections to keep, 1–10. Default 1. Slack routes each envelope to one of them; the client
   * acks on the connection it came on, and replaces connections one at a time (never more than n+1 sockets,
   * and never more than Slack's cap of 10).
   */
  connections?: number;
  /** Ping interval where the socket can ping (ws, Bun). Default 10000; 0 disables pinging. */
  pingIntervalMs?: number;
  /** Missing pong after this long = dead socket, replaced make-before-break. Default 5000. */
  pongTimeoutMs?: number;
  /** Rotate (make-before-break) sockets that cannot be pinged after this long. Default 300000; 0 disables. */
  rotateAfterMs?: number;
  /** Reconnect backoff. Defaults: initialMs 1000, maxMs 30000, factor 2, tooManyWebSocketsMs 30000. */
  backoff?: BackoffOptions;
  /** Warn when an envelope is not acked after this long (Slack's deadline is 3 s). Default 2500; 0 disables. */
  ackDeadlineWarnMs?: number;
  /** Close and retry a connection that sends no hello within this long. Default 10000. */
  helloTimeoutMs?: number;
  /** Never wait longer than this for the peer's side of a close. Default 1000. */
  closeTimeoutMs?: number;
  /**
   * After a `warning`, the replaced connection stays open until Slack's `refresh_requested` (Slack still
   * routes envelopes to it); this bounds that wait. Default 30000.
   */
  retireAfterWarningMs?: number;
  /** A connection URL request (apps.connections.open or `openConnection`) not answered by then is retried. Default 30000. */
  openTimeoutMs?: number;
  /** Larger frames are rejected unparsed. Default 1 MiB. */
  maxFrameBytes?: number;
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

/** Slack's cap on open Socket Mode connections per app. */
export const MAX_SLACK_CONNECTIONS = 10;
/** Default pool size. */
export const DEFAULT_CONNECTIONS = 1;
/** Proactive refresh: never sooner than this after hello, whatever approximate_connection_time says. */
const MIN_PROACTIVE_REFRESH_MS = 1000;
const PROACTIVE_STAGGER = 0.05;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface HelloInfo {
  connection_id: string;
  slot: number;
  num_connections: number | undefined;
  debug_info: HelloFrame['debug_info'];
  connection_info: HelloFrame['connection_info'];
}

export interface ConnectedEvent extends HelloInfo {
  /** The connection this one replaced (make-before-break), if any. */
  replaced: string | undefined;
  /** Sockets this client holds open (any state short of closed), this one included. */
  held: number;
  /** num_connections − held when positive: connections Slack counts that this client does not hold. */
  ghosts: number;
}

/**
 * Slack's hello counts more connections for the app than this client holds: stale sockets Slack has not
 * noticed are gone (e.g. behind NAT), or another process using the same app. Each takes a share of the
 * envelopes, and all count against Slack's cap of 10.
 */
export interface GhostConnectionsEvent {
  connection_id: string;
  slot: number;
  num_connections: number;
  held: number;
  ghosts: number;
}

/** Slack refused a connection: the app already has its maximum. The slot backs off (and every open waits). */
export interface TooManyWebSocketsEvent {
  slot: number;
  connection_id: string;
  /** As Slack reported it, if it did. */
  num_connections: number | undefined;
  held: number;
  delayMs: number;
}

interface EnvelopeArgsBase<T extends string, B> {
  /** Ack once; a string payload becomes `{text}`. Rejects with AckTooLargeError over 20 KB. */
  ack: AckFn;
  envelope_id: string;
  type: T;
  body: B;
  retry_num: number | undefined;
  retry_reason: string | undefined;
  accepts_response_payload: boolean;
  /** The client's id for the connection this envelope arrived on. */
  connection_id: string;
}

export type EventsApiArgs = EnvelopeArgsBase<'events_api', Record<string, unknown> & { event_id?: string; event?: InnerEvent }> & {
  event: InnerEvent | undefined;
};
/** Handlers registered under an inner event type (`app_mention`, `message`, …) always get the event. */
export type InnerEventArgs = EventsApiArgs & { event: InnerEvent };
export type SlashCommandArgs = EnvelopeArgsBase<'slash_commands', Record<string, unknown> & { command?: string }>;
export type InteractiveArgs = EnvelopeArgsBase<'interactive', Record<string, unknown> & { type: string }>;
export type UnknownEnvelopeArgs = EnvelopeArgsBase<string, unknown>;
export type SlackEventArgs = (EventsApiArgs | SlashCommandArgs | InteractiveArgs | UnknownEnvelopeArgs) & {
  event?: InnerEvent | undefined;
};

export interface ConnectingEvent {
  slot: number;
  attempt: number;
}
export interface AuthenticatedEvent {
  slot: number;
  connection_id: string;
}
export interface ReconnectingEvent {
  slot: number;
  /** Why: 'refresh_requested', 'warning', 'rotate', 'pong_timeout', 'closed', 'open_failed', … */
  reason: string;
  /** 0 for make-before-break replacements. */
  delayMs: number;
  attempt: number;
  makeBeforeBreak: boolean;
}
export interface DisconnectingEvent {
  reason: string;
}
export interface DisconnectedEvent {
  reason: string;
  /** false once the client has stopped; true when it lost its last live connection and is recovering. */
  willReconnect: boolean;
  error?: SocketModeError;
}

/** Events with fixed payload types. Any other name is an events_api inner event type (EventsApiArgs). */
export interface SocketModeEvents {
  slack_event: SlackEventArgs;
  slash_commands: SlashCommandArgs;
  interactive: InteractiveArgs;
  unknown_envelope: UnknownEnvelopeArgs;
  connecting: ConnectingEvent;
  authenticated: AuthenticatedEvent;
  connected: ConnectedEvent;
  reconnecting: ReconnectingEvent;
  disconnecting: DisconnectingEvent;
  disconnected: DisconnectedEvent;
  ghost_connections: GhostConnectionsEvent;
  too_many_websockets: TooManyWebSocketsEvent;
  error: SocketModeError;
}

export type ClientState = 'idle' | 'starting' | 'connected' | 'reconnecting' | 'disconnecting' | 'disconnected';

type Handler = (arg: any) => unknown;
type Timer = ReturnType<typeof setTimeout>;

const LIFECYCLE = new Set<string>([
  'slack_event',
  'slash_commands',
  'interactive',
  'unknown_envelope',
  'connecting',
  'authenticated',
  'connected',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'ghost_connections',
  'too_many_websockets',
  'error',
  '*',
]);

interface Slot {
  index: number;
  /** Live (or draining) connection. */
  current: Connection | undefined;
  /** Connecting connection: the replacement, or the first/next one after a loss. */
  next: Connection | undefined;
  /** Waiting for a URL. */
  fetching: boolean;
  /** Backoff timer before the next attempt. */
  retryTimer: Timer | undefined;
  backoff: Backoff;
  attempts: number;
}

/** An envelope waiting for a handler slot (maxConcurrentHandlers). */
interface Waiting {
  conn: Connection;
  parsed: EnvelopeFrame;
  ack: AckFn;
  autoAcked: boolean;
  timer: Timer | undefined;
}

export class SocketModeClient {
  private readonly opts: SocketModeOptions;
  private readonly logger: Logger;
  private readonly emitter: Emitter<Record<string, unknown>> = mitt();
  private readonly wrappers = new Map<string, Map<Handler, Handler[]>>();
  private readonly poolSize: number;
  private readonly socketCap: number;
  private readonly proactiveAt: number | false;
  private readonly handlerLimit: number;
  private readonly maxQueued: number;
  private readonly queuedAckMs: number;
  private readonly waiting: Waiting[] = [];
  private activeHandlers = 0;
  private pumping = false;
  /** While dispatching one envelope: the promises its handlers returned. */
  private collecting: Array<Promise<unknown>> | undefined;
  private readonly dedupe: DedupeStore | undefined;
  /** The dedupe store when it is exactly a MemoryDedupeStore (not a subclass): asked through its fast path. */
  private readonly memoryDedupe: MemoryDedupeStore | undefined;
  private readonly acks: AckQueue;
  private readonly s: {
    pingIntervalMs: number;
    pongTimeoutMs: number;
    rotateAfterMs: number;
    helloTimeoutMs: number;
    closeTimeoutMs: number;
    retireAfterWarningMs: number;
    openTimeoutMs: number;
    maxFrameBytes: number;
    coalesceWrites: boolean;
  };

  private runState: ClientState = 'idle';
  private slots: Slot[] = [];
  private readonly conns = new Set<Connection>();
  private readonly timers = new Set<Timer>();
  private connSeq = 0;
  private abort: AbortController | undefined;
  private urlChain: Promise<unknown> = Promise.resolve();
  private openNotBefore = 0;
  private WS: WebSocketConstructor | undefined;
  private startPromise: Promise<HelloInfo> | undefined;
  private startSettle: { resolve: (h: HelloInfo) => void; reject: (e: unknown) => void } | undefined;
  private stopPromise: Promise<void> | undefined;
  private hadLive = false;

  constructor(opts: SocketModeOptions) {
    if (opts === null || typeof opts !== 'object') throw new InvalidOptionsError('options object required');
    this.opts = { ...opts };
    const inner = opts.logger ?? new ConsoleLogger('socket-mode:SocketModeClient', opts.logLevel ?? LogLevel.INFO);
    if (opts.logger && opts.logLevel) {
      try {
        opts.logger.setLevel(opts.logLevel);
      } catch {
        // A logger without levels still logs.
      }
    }
    this.logger = redactingLogger(inner);

    if (opts.appToken !== undefined) {
      if (typeof opts.appToken !== 'string' || !opts.appToken.startsWith('xapp-')) {
        const kind =
          typeof opts.appToken === 'string' && /^xox[a-z]-/.test(opts.appToken)
            ? `a ${opts.appToken.slice(0, 4)}- token`
            : 'something else';
        throw new InvalidTokenError(
          `appToken must be an app-level token starting with "xapp-" (connections:write); got ${kind}`,
        );
      }
    } else if (typeof opts.openConnection !== 'function') {
      throw new InvalidTokenError('appToken (xapp-…) or openConnection is required');
    }
    if (opts.apiUrl !== undefined) assertSecureUrl(opts.apiUrl, 'https:');
    const n = opts.connections ?? DEFAULT_CONNECTIONS;
    if (!Number.isInteger(n) || n < 1 || n > MAX_SLACK_CONNECTIONS) {
      throw new InvalidOptionsError('connections must be an integer from 1 to 10');
    }
    this.poolSize = n;
    // n+1 during a swap, but never past Slack's cap (with 10, a swap waits for the old socket to close).
    this.socketCap = Math.min(n + 1, MAX_SLACK_CONNECTIONS);
    const pr = opts.proactiveRefresh ?? 0.85;
    if (pr !== false && (typeof pr !== 'number' || !(pr > 0 && pr < 1))) {
      throw new InvalidOptionsError('proactiveRefresh must be a fraction between 0 and 1 (exclusive), or false');
    }
    this.proactiveAt = pr;
    const limit = opts.maxConcurrentHandlers ?? Infinity;
    if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
      throw new InvalidOptionsError('maxConcurrentHandlers must be a positive integer');
    }
    this.handlerLimit = limit;
    const mq = opts.maxQueuedEnvelopes ?? 1000;
    if (!Number.isInteger(mq) || mq < 0) throw new InvalidOptionsError('maxQueuedEnvelopes must be an integer >= 0');
    this.maxQueued = mq;
    const num = (v: number | undefined, d: number, name: string): number => {
      if (v === undefined) return d;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidOptionsError(`${name} must be a number >= 0`);
      // setTimeout fires at once for delays past 2^31-1 ms: clamp, so a huge value means "practically never".
      return Math.min(v, MAX_TIMER_MS);
    };
    this.s = {
      pingIntervalMs: num(opts.pingIntervalMs, 10_000, 'pingIntervalMs'),
      pongTimeoutMs: num(opts.pongTimeoutMs, 5_000, 'pongTimeoutMs'),
      rotateAfterMs: num(opts.rotateAfterMs, 300_000, 'rotateAfterMs'),
      helloTimeoutMs: num(opts.helloTimeoutMs, 10_000, 'helloTimeoutMs'),
      closeTimeoutMs: num(opts.closeTimeoutMs, 1_000, 'closeTimeoutMs'),
      retireAfterWarningMs: num(opts.retireAfterWarningMs, 30_000, 'retireAfterWarningMs'),
      openTimeoutMs: num(opts.openTimeoutMs, 30_000, 'openTimeoutMs'),
      maxFrameBytes: num(opts.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 'maxFrameBytes'),
      coalesceWrites: opts.coalesceWrites !== false,
    };
    num(opts.ackDeadlineWarnMs, 2500, 'ackDeadlineWarnMs');
    this.queuedAckMs = num(opts.queuedAckMs, 2000, 'queuedAckMs');
    this.dedupe = opts.dedupe === false ? undefined : (opts.dedupe ?? new MemoryDedupeStore());
    if (this.dedupe && Object.getPrototypeOf(this.dedupe) === MemoryDedupeStore.prototype) this.memoryDedupe = this.dedupe as MemoryDedupeStore;
    this.acks = new AckQueue({
      logger: this.logger,
      deadlineWarnMs: opts.ackDeadlineWarnMs ?? 2500,
      send: (text, preferred) => this.sendAck(text, preferred),
      onError: (e) => this.emitError(e),
    });
  }

  // ---------------------------------------------------------------- public surface

  /** Live connections (hello received, not closed). */
  get connectionCount(): number {
    let n = 0;
    for (const c of this.conns) if (c.state === 'live' && !c.dead) n++;
    return n;
  }

  /** Started and at least one connection is live. */
  get isActive(): boolean {
    return (this.runState === 'connected' || this.runState === 'reconnecting') && this.connectionCount > 0;
  }

  get state(): ClientState {
    return this.runState;
  }

  /** Ids of open sockets (any state short of closed). */
  get connectionIds(): string[] {
    return [...this.conns].map((c) => c.id);
  }

  /** Envelopes in user handlers now, and waiting for a handler slot (maxConcurrentHandlers). */
  get handlerStats(): { active: number; queued: number } {
    return { active: this.activeHandlers, queued: this.waiting.length };
  }

  on<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  on(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  on(type: string, handler: Handler): this {
    const wrapped: Handler = (arg) => this.invoke(type, handler, arg);
    this.remember(type, handler, wrapped);
    this.emitter.on(type, wrapped);
    return this;
  }

  once<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  once(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  once(type: string, handler: Handler): this {
    const wrapped: Handler = (arg) => {
      this.forget(type, handler, wrapped);
      this.emitter.off(type, wrapped);
      this.invoke(type, handler, arg);
    };
    this.remember(type, handler, wrapped);
    this.emitter.on(type, wrapped);
    return this;
  }

  off<K extends keyof SocketModeEvents>(type: K, handler?: (arg: SocketModeEvents[K]) => unknown): this;
  off(type: string, handler?: (arg: InnerEventArgs) => unknown): this;
  off(type: string, handler?: Handler): this {
    if (!handler) {
      this.wrappers.delete(type);
      this.emitter.off(type);
      return this;
    }
    const list = this.wrappers.get(type)?.get(handler);
    const wrapped = list?.pop();
    if (wrapped) {
      if (list!.length === 0) this.wrappers.get(type)!.delete(handler);
      this.emitter.off(type, wrapped);
    }
    return this;
  }

  /**
   * Connects. Resolves with the first hello; rejects on fatal errors (bad token, link_disabled, a
   * disconnect() before hello). The returned promise is pre-handled: ignoring it never causes an unhandled
   * rejection (the error is also emitted on `error` and logged).
   */
  start(): Promise<HelloInfo> {
    if (this.startPromise && (this.runState === 'starting' || this.runState === 'connected' || this.runState === 'reconnecting')) {
      return this.startPromise;
    }
    if (this.runState === 'disconnecting') {
      return handled(Promise.reject(new DisconnectedError('start() called while disconnecting')));
    }
    this.WS = resolveWebSocket(this.opts.WebSocket);
    if (!this.WS) return handled(Promise.reject(new NoWebSocketError()));
    this.runState = 'starting';
    this.stopPromise = undefined;
    this.hadLive = false;
    this.abort = new AbortController();
    this.openNotBefore = 0;
    this.acks.reopen();
    this.slots = Array.from({ length: this.poolSize }, (_, index) => ({
      index,
      current: undefined,
      next: undefined,
      fetching: false,
      retryTimer: undefined,
      backoff: new Backoff(this.opts.backoff),
      attempts: 0,
    }));
    this.startPromise = handled(
      new Promise<HelloInfo>((resolve, reject) => {
        this.startSettle = { resolve, reject };
      }),
    );
    this.ensureAll();
    return this.startPromise;
  }

  /** Closes every connection and clears every timer. Never rejects. */
  disconnect(): Promise<void> {
    if (this.runState === 'idle' || this.runState === 'disconnected') return this.stopPromise ?? Promise.resolve();
    return this.stop('client_disconnect');
  }

  // ---------------------------------------------------------------- events plumbing

  private remember(type: string, handler: Handler, wrapped: Handler): void {
    let m = this.wrappers.get(type);
    if (!m) this.wrappers.set(type, (m = new Map()));
    const list = m.get(handler);
    if (list) list.push(wrapped);
    else m.set(handler, [wrapped]);
  }

  private forget(type: string, handler: Handler, wrapped: Handler): void {
    const list = this.wrappers.get(type)?.get(handler);
    if (!list) return;
    const i = list.indexOf(wrapped);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.wrappers.get(type)!.delete(handler);
  }

  /** mitt's emit is synchronous and does not catch: every handler runs isolated, sync and async failures go to `error`. */
  private invoke(type: string, handler: Handler, arg: unknown): void {
    try {
      const r = handler(arg);
      if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
        const settled = Promise.resolve(r as PromiseLike<unknown>).then(undefined, (e: unknown) => this.handlerFailed(type, e, arg));
        this.collecting?.push(settled);
      }
    } catch (e) {
      this.handlerFailed(type, e, arg);
    }
  }

  private handlerFailed(type: string, e: unknown, arg: unknown): void {
    if (type === 'error') {
      this.logger.error(`An 'error' handler failed: ${describe(e)}`);
      return;
    }
    const a = arg !== null && typeof arg === 'object' ? (arg as Partial<SlackEventArgs>) : undefined;
    const envelopeId = typeof a?.envelope_id === 'string' ? a.envelope_id : undefined;
    // Failed before anything acked: Slack will redeliver, and that retry must reach the handlers again
    // (at least once), not be swallowed by dedupe as a duplicate.
    if (envelopeId !== undefined && !this.acks.attempted(a!.ack)) {
      const body = a!.body as { event_id?: unknown } | undefined;
      const eventId = a!.type === 'events_api' && typeof body?.event_id === 'string' ? body.event_id : undefined;
      this.forgetKey(dedupeKey(envelopeId, eventId));
    }
    this.emitError(new HandlerError(type, e, envelopeId));
  }

  private emit<K extends keyof SocketModeEvents>(type: K, arg: SocketModeEvents[K]): void;
  private emit(type: string, arg: unknown): void;
  private emit(type: string, arg: unknown): void {
    try {
      this.emitter.emit(type, arg);
    } catch (e) {
      this.logger.error(`emit(${type}) failed: ${describe(e)}`);
    }
  }

  private emitError(err: SocketModeError): void {
    const listeners = this.emitter.all.get('error');
    if (!listeners || listeners.length === 0) {
      this.logger.error(`${err.name} [${err.code}]: ${err.message}`);
      return;
    }
    this.logger.debug(`error: ${err.name} [${err.code}]: ${err.message}`);
    this.emit('error', err);
  }

  // ---------------------------------------------------------------- timers

  private later(ms: number, fn: () => void): Timer {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private cancel(t: Timer | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new DisconnectedError());
      const signal = this.abort?.signal;
      const t = this.later(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        this.cancel(t);
        reject(new DisconnectedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---------------------------------------------------------------- connection set

  private get stopped(): boolean {
    return this.runState === 'disconnecting' || this.runState === 'disconnected' || this.runState === 'idle';
  }

  /**
   * Sockets open or about to be (a URL being fetched counts): the pool never exceeds n + 1 of them (nor Slack's
   * cap of 10). Replacements are therefore serialized: while one slot swaps, another slot that also needs a new
   * socket waits for the swap's old socket to close.
   */
  private socketBudgetUsed(): number {
    let n = this.conns.size;
    for (const s of this.slots) if (s.fetching) n++;
    return n;
  }

  private needsConnection(slot: Slot): boolean {
    const c = slot.current;
    return !c || c.draining || c.dead || c.state === 'closing' || c.state === 'closed';
  }

  /** Slots with no usable connection go before slots whose connection still works but is being replaced. */
  private ensureAll(): void {
    const unusable = (s: Slot): boolean => {
      const c = s.current;
      return !c || c.dead || c.state === 'closing' || c.state === 'closed';
    };
    for (const s of this.slots) if (unusable(s)) this.ensure(s);
    for (const s of this.slots) if (!unusable(s)) this.ensure(s);
  }

  /** Start an attempt for `slot` if it needs one, none is under way, no backoff is pending and budget allows. */
  private ensure(slot: Slot): void {
    if (this.stopped) return;
    if (slot.fetching || slot.next || slot.retryTimer !== undefined) return;
    if (!this.needsConnection(slot)) return;
    if (this.socketBudgetUsed() >= this.socketCap) {
      // A socket presumed dead holds a place in the budget for nothing: let it go so its slot can reconnect.
      const c = slot.current;
      if (c && c.dead && c.state === 'live') void c.close(1000, 'pong timeout');
      return;
    }
    void this.attempt(slot);
  }

  private scheduleRetry(slot: Slot, reason: string, floorMs = 0): void {
    if (this.stopped) return;
    if (this.opts.autoReconnectEnabled === false) {
      this.fatal(new ConnectionError(`Connection lost (${reason}) and autoReconnectEnabled is false`));
      return;
    }
    this.cancel(slot.retryTimer);
    const delayMs = slot.backoff.next(floorMs);
    slot.retryTimer = this.later(delayMs, () => {
      slot.retryTimer = undefined;
      this.ensure(slot);
    });
    this.setRecovering();
    this.emit('reconnecting', { slot: slot.index, reason, delayMs, attempt: slot.backoff.attempts, makeBeforeBreak: false });
    this.logger.info(`Slot ${slot.index}: reconnecting in ${delayMs} ms (${reason})`);
  }

  private async attempt(slot: Slot): Promise<void> {
    slot.fetching = true;
    slot.attempts++;
    this.emit('connecting', { slot: slot.index, attempt: slot.attempts });
    let url: string;
    try {
      url = await this.getUrl();
      assertSecureUrl(url, 'wss:');
    } catch (e) {
      slot.fetching = false;
      if (this.stopped) return;
      this.openFailed(slot, e);
      this.ensureAll();
      return;
    }
    slot.fetching = false;
    if (this.stopped) return;
    const conn = new Connection({
      id: `c${++this.connSeq}`,
      slot: slot.index,
      url,
      WebSocket: this.WS!,
      ...this.s,
      logger: this.logger,
      events: {
        onHello: (c, h) => this.onHello(c, h),
        onDisconnectFrame: (c, f) => this.onDisconnectFrame(c, f),
        onEnvelope: (c, e) => this.onEnvelope(c, e),
        onMalformed: (_c, err) => this.emitError(err),
        onDead: (c) => this.onDead(c),
        onRotateDue: (c) => this.replace(c, 'rotate'),
        onClosed: (c, info) => this.onClosed(c, info),
      },
    });
    slot.next = conn;
    this.conns.add(conn);
    this.emit('authenticated', { slot: slot.index, connection_id: conn.id });
    this.logger.debug(`Slot ${slot.index}: opening ${conn.id}`);
    conn.open();
  }

  /** Serialized: one apps.connections.open call at a time, and a 429 holds every slot back. */
  private getUrl(): Promise<string> {
    const run = async (): Promise<string> => {
      if (this.stopped) throw new DisconnectedError();
      const wait = this.openNotBefore - Date.now();
      if (wait > 0) await this.sleep(wait);
      if (this.stopped) throw new DisconnectedError();
      // Calls are serialized, so one that never answers would hold every slot back: each gets a deadline.
      const ctl = new AbortController();
      const outer = this.abort?.signal;
      const onAbort = (): void => ctl.abort();
      outer?.addEventListener('abort', onAbort, { once: true });
      const call = this.opts.openConnection
        ? this.opts.openConnection()
        : openConnectionUrl({
            appToken: this.opts.appToken!,
            apiUrl: this.opts.apiUrl ?? DEFAULT_API_URL,
            fetch: this.opts.fetch,
            signal: ctl.signal,
          });
      try {
        return await new Promise<string>((resolve, reject) => {
          const t = this.later(this.s.openTimeoutMs, () => {
            ctl.abort();
            reject(new NetworkError('apps.connections.open', new Error(`no answer within ${this.s.openTimeoutMs} ms`)));
          });
          call.then(
            (url) => {
              this.cancel(t);
              resolve(url);
            },
            (e: unknown) => {
              this.cancel(t);
              reject(e);
            },
          );
        });
      } finally {
        outer?.removeEventListener('abort', onAbort);
      }
    };
    const p = this.urlChain.then(run, run);
    this.urlChain = p.catch(() => undefined);
    return p;
  }

  private openFailed(slot: Slot, e: unknown): void {
    if (e instanceof SlackApiError && (e.fatal || FATAL_OPEN_ERRORS.has(e.slackError))) return this.fatal(e);
    if (e instanceof InsecureUrlError) return this.fatal(e);
    if (e instanceof RateLimitedError) {
      this.openNotBefore = Math.max(this.openNotBefore, Date.now() + e.retryAfterMs);
      this.logger.warn(`apps.connections.open rate limited; retrying after ${e.retryAfterMs} ms`);
      return this.scheduleRetry(slot, 'rate_limited', e.retryAfterMs);
    }
    this.logger.warn(`Slot ${slot.index}: could not get a connection URL: ${describe(e)}`);
    this.scheduleRetry(slot, 'open_failed');
  }

  private slotOf(conn: Connection): Slot | undefined {
    return this.slots[conn.slot];
  }

  private onHello(conn: Connection, hello: HelloFrame): void {
    const slot = this.slotOf(conn);
    if (this.stopped || !slot) return;
    if (slot.next !== conn) {
      // Not this slot's pending connection (should not happen): keep the pool size honest.
      void conn.close();
      return;
    }
    slot.next = undefined;
    const old = slot.current;
    slot.current = conn;
    slot.backoff.reset();
    this.cancel(slot.retryTimer);
    slot.retryTimer = undefined;
    // Switch first, then retire the old one (it keeps delivering until it closes).
    if (old && old.state !== 'closed') this.retire(old);
    this.acks.flush();
    this.armProactiveRefresh(conn, slot, hello);
    const info: HelloInfo = {
      connection_id: conn.id,
      slot: slot.index,
      num_connections: hello.num_connections,
      debug_info: hello.debug_info,
      connection_info: hello.connection_info,
    };
    this.hadLive = true;
    if (this.runState === 'starting' || this.runState === 'reconnecting') this.runState = 'connected';
    // Every socket we hold that Slack may count (a socket still in its handshake is counted too: we over-count
    // ourselves, never Slack's ghosts).
    const held = this.conns.size;
    const ghosts = typeof hello.num_connections === 'number' ? Math.max(0, hello.num_connections - held) : 0;
    this.logger.info(
      `Slot ${slot.index}: ${conn.id} connected${old ? ` (replacing ${old.id})` : ''}; Slack counts ${hello.num_connections ?? '?'} connection(s)`,
    );
    if (ghosts > 0) {
      this.logger.warn(
        `Slack counts ${hello.num_connections} connections for this app but this client holds ${held}: ` +
          `${ghosts} ghost(s) (stale sockets Slack has not dropped yet, or another process using this app). ` +
          `They take a share of envelopes and count against Slack's cap of ${MAX_SLACK_CONNECTIONS}.`,
      );
      this.emit('ghost_connections', {
        connection_id: conn.id,
        slot: slot.index,
        num_connections: hello.num_connections!,
        held,
        ghosts,
      });
    }
    this.emit('connected', { ...info, replaced: old?.id, held, ghosts });
    if (this.startSettle) {
      const s = this.startSettle;
      this.startSettle = undefined;
      s.resolve(info);
    }
    this.ensureAll();
  }

  private onDisconnectFrame(conn: Connection, frame: DisconnectFrame): void {
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    const reason = frame.reason;
    this.logger.info(`Connection ${conn.id}: Slack sent disconnect (${reason})`);
    if (reason === 'link_disabled') return this.fatal(new LinkDisabledError());
    if (reason === 'too_many_websockets') {
      // Refused: close this socket and back off with a long floor (every slot's next open waits too: more
      // attempts only make it worse); other connections carry on.
      conn.draining = true;
      void conn.close(1000, 'too many websockets');
      if (slot) {
        if (slot.next === conn) slot.next = undefined;
        if (slot.current === conn) slot.current = undefined;
        const floor = slot.backoff.tooManyWebSocketsMs;
        this.openNotBefore = Math.max(this.openNotBefore, Date.now() + floor);
        const held = [...this.conns].filter((c) => c !== conn && c.state !== 'closed').length;
        this.logger.warn(
          `Slack refused ${conn.id}: too_many_websockets (Slack counts ${frame.num_connections ?? '?'}, this client holds ${held}); ` +
            `backing off at least ${floor} ms`,
        );
        this.scheduleRetry(slot, 'too_many_websockets', floor);
        this.emit('too_many_websockets', {
          slot: slot.index,
          connection_id: conn.id,
          num_connections: frame.num_connections,
          held,
          delayMs: floor,
        });
      }
      return;
    }
    if (reason !== 'warning') conn.slackClosing = true;
    if (conn.draining) {
      // Already being replaced after a `warning`: Slack has now stopped routing here, so it can go as soon as
      // the replacement is live (at once, if that has happened) and its envelopes are acked.
      if (reason !== 'warning' && conn.keepUntilRefresh) {
        conn.keepUntilRefresh = false;
        if (slot?.current !== conn) this.closeWhenDrained(conn, reason);
        else this.releaseIfBlocked(conn);
      }
      return;
    }
    // warning, refresh_requested, anything unknown: replace make-before-break.
    conn.keepUntilRefresh = reason === 'warning';
    this.replace(conn, reason);
    this.releaseIfBlocked(conn);
  }

  /**
   * Slack has stopped routing to `conn`, but no replacement could start (every socket the budget allows is in
   * use, or the slot is backing off): free it once its envelopes are acked, rather than hold the slot on a
   * socket Slack may never close.
   */
  private releaseIfBlocked(conn: Connection): void {
    const slot = this.slotOf(conn);
    if (!conn.slackClosing || !slot || slot.current !== conn || slot.next || slot.fetching) return;
    this.closeWhenDrained(conn, 'refresh_requested');
  }

  /**
   * Closes a replaced connection. After a `warning` Slack may still route envelopes to it, and a standard
   * WebSocket discards frames arriving after our close(): so it stays open until Slack's `refresh_requested`
   * (or Slack's own close), with a bounded wait in case that never comes.
   */
  private retire(old: Connection): void {
    if (old.keepUntilRefresh) {
      old.schedule('retire', this.s.retireAfterWarningMs, () => void old.close(1000, 'replaced'));
      return;
    }
    // Slack routes nothing more here: keep it just until the envelopes it brought are acked, so each ack goes
    // back on the connection its envelope came on (not on another socket that may be silently dead).
    // The same for rotations we start ourselves (schedule, connection time): Slack may still route here until
    // it sees our close, but acks for what already arrived belong on this socket.
    if (old.slackClosing || !old.dead) return this.closeWhenDrained(old, 'replaced');
    void old.close(1000, 'replaced');
  }

  /** Close `conn` once every envelope it delivered has been acked; never later than Slack's ack deadline. */
  private closeWhenDrained(conn: Connection, reason: string): void {
    if (conn.state === 'closing' || conn.state === 'closed') return;
    if (conn.unacked <= 0 || conn.dead) {
      void conn.close(1000, reason);
      return;
    }
    if (conn.isScheduled('drain')) return;
    this.logger.debug(`Connection ${conn.id}: closing once ${conn.unacked} envelope(s) are acked`);
    conn.drainReason = reason;
    conn.schedule('drain', ACK_DEADLINE_MS, () => void conn.close(1000, reason));
  }

  /** One envelope from `conn` has been acked (or its ack attempted). */
  private ackMade(conn: Connection): void {
    conn.unacked--;
    if (conn.unacked > 0 || !conn.unschedule('drain')) return;
    void conn.close(1000, conn.drainReason);
  }

  /** Mark `conn` for replacement; the slot opens a new connection and closes this one on the new hello. */
  private replace(conn: Connection, reason: string): void {
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    if (!slot) return;
    if (slot.next === conn) {
      // Told to go away before its hello: treat as a failed attempt.
      slot.next = undefined;
      void conn.close(1000, reason);
      this.scheduleRetry(slot, reason);
      return;
    }
    if (slot.current !== conn || conn.draining) return;
    conn.draining = true;
    this.emit('reconnecting', { slot: slot.index, reason, delayMs: 0, attempt: 0, makeBeforeBreak: true });
    this.ensure(slot);
  }

  private onDead(conn: Connection): void {
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    if (this.opts.autoReconnectEnabled === false && slot?.current === conn) {
      // No recovery wanted: a dead live socket ends the client, as an unexpected close does.
      return this.fatal(new ConnectionError(`connection ${conn.id}: no pong within ${this.s.pongTimeoutMs} ms`));
    }
    if (!slot || slot.current !== conn) {
      // A replaced (retired) or not-yet-live socket: nothing waits on it.
      void conn.close(1000, 'pong timeout');
      return;
    }
    this.emit('reconnecting', { slot: slot.index, reason: 'pong_timeout', delayMs: 0, attempt: 0, makeBeforeBreak: true });
    this.checkLiveLoss('pong_timeout');
    this.ensure(slot);
  }

  /**
   * Replace `conn` make-before-break before Slack would refresh it: at `proactiveRefresh` of hello's
   * approximate_connection_time, plus a per-slot stagger so a pool that connected together does not rotate
   * together (and, once staggered, stays staggered).
   */
  private armProactiveRefresh(conn: Connection, slot: Slot, hello: HelloFrame): void {
    if (this.proactiveAt === false) return;
    const sec = hello.debug_info?.approximate_connection_time;
    if (typeof sec !== 'number' || !Number.isFinite(sec) || sec <= 0) return;
    const fraction = Math.min(0.99, this.proactiveAt + (PROACTIVE_STAGGER * slot.index) / this.poolSize);
    const ms = Math.min(MAX_TIMER_MS, Math.max(MIN_PROACTIVE_REFRESH_MS, Math.round(sec * 1000 * fraction)));
    conn.schedule('proactive_refresh', ms, () => {
      if (slot.current !== conn || conn.state !== 'live' || conn.draining || conn.dead) return;
      this.logger.info(`Slot ${slot.index}: ${conn.id} is ${Math.round(fraction * 100)} % through its expected life; replacing it`);
      this.replace(conn, 'connection_time');
    });
  }

  private onClosed(conn: Connection, info: ConnectionCloseInfo): void {
    // Its own timers (refresh, drain, retirement) ended when it started closing.
    this.conns.delete(conn);
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    if (!slot) return;
    const planned = info.requested || conn.draining;
    this.logger.debug(`Connection ${conn.id} closed (${info.code} ${info.cause})`);
    if (slot.current === conn) {
      slot.current = undefined;
      if (!planned && !slot.next && !slot.fetching) this.scheduleRetry(slot, `closed:${info.cause}`);
      else if (!planned) this.logger.warn(`Connection ${conn.id} closed unexpectedly; a replacement is already under way`);
    } else if (slot.next === conn) {
      slot.next = undefined;
      this.logger.warn(`Connection ${conn.id} failed before hello (${info.cause})`);
      if (slot.retryTimer === undefined) this.scheduleRetry(slot, info.cause === 'hello_timeout' ? 'hello_timeout' : 'connect_failed');
    }
    this.checkLiveLoss(`closed:${info.cause}`);
    this.ensureAll();
  }

  private liveCount(): number {
    let n = 0;
    for (const s of this.slots) if (s.current && s.current.state === 'live' && !s.current.dead) n++;
    return n;
  }

  private setRecovering(): void {
    if (this.runState === 'connected' && this.liveCount() === 0) this.runState = 'reconnecting';
  }

  /** Emits `disconnected` (willReconnect) when the last live connection is gone. */
  private checkLiveLoss(reason: string): void {
    if (!this.hadLive || this.stopped || this.liveCount() > 0) return;
    this.hadLive = false;
    this.setRecovering();
    this.emit('disconnected', { reason, willReconnect: true });
  }

  private sendAck(text: string, preferred: Connection | undefined): boolean {
    if (preferred?.send(text)) return true;
    for (const s of this.slots) if (s.current && s.current !== preferred && s.current.send(text)) return true;
    for (const c of this.conns) if (c !== preferred && c.send(text)) return true;
    return false;
  }

  // ---------------------------------------------------------------- envelopes

  private onEnvelope(conn: Connection, parsed: EnvelopeFrame): void {
    if (this.stopped) return;
    const store = this.dedupe;
    if (!store) return this.admit(conn, parsed);
    const eventId = eventIdOf(parsed);
    let seen: boolean | Promise<boolean>;
    try {
      // The default store is asked without building a key string.
      const memory = this.memoryDedupe;
      if (memory) seen = eventId !== undefined ? memory.seenEvent(eventId) : memory.seenEnvelope(parsed.frame.envelope_id);
      else seen = store.seen(dedupeKey(parsed.frame.envelope_id, eventId));
    } catch (e) {
      this.emitError(new DedupeError(e));
      return this.admit(conn, parsed);
    }
    // A synchronous store (the default) answers at once: no promise, no closure.
    if (seen === true) return this.duplicate(conn, parsed);
    if (seen === false) return this.admit(conn, parsed);
    seen.then(
      (dup) => (dup ? this.duplicate(conn, parsed) : this.admit(conn, parsed)),
      (e: unknown) => {
        this.emitError(new DedupeError(e));
        this.admit(conn, parsed);
      },
    );
  }

  private duplicate(conn: Connection, parsed: EnvelopeFrame): void {
    const env = parsed.frame;
    this.logger.debug(`Envelope ${env.envelope_id}: duplicate (retry ${env.retry_attempt ?? 0}); acked, not delivered`);
    void this.acks.autoAck(env.envelope_id, conn).catch(() => undefined);
  }

  /**
   * Hands a (non-duplicate) envelope to user code, within maxConcurrentHandlers. Its ack function exists from
   * here on and writes straight to a socket: an ack never waits behind anyone's handler work.
   */
  private admit(conn: Connection, parsed: EnvelopeFrame): void {
    if (this.stopped) return;
    const env = parsed.frame;
    // The first ack attempt (sent, queued or refused) settles this envelope's account on `conn`.
    const ack = this.acks.create(env, conn, this.onAckMade);
    conn.unacked++;
    if (this.handlerLimit === Infinity) {
      this.dispatch(conn, parsed, ack);
      return;
    }
    const item: Waiting = { conn, parsed, ack, autoAcked: false, timer: undefined };
    if (this.activeHandlers < this.handlerLimit && this.waiting.length === 0) {
      this.runTracked(item);
      return;
    }
    if (this.waiting.length >= this.maxQueued) {
      // Shed: acked so Slack neither retries into an overloaded app nor shows a timeout, and reported.
      void ack().catch(() => undefined);
      this.emitError(new HandlerQueueFullError(env.envelope_id, env.type, this.waiting.length));
      return;
    }
    if (this.queuedAckMs > 0) {
      item.timer = this.later(this.queuedAckMs, () => {
        item.timer = undefined;
        item.autoAcked = true;
        this.logger.warn(
          `Envelope ${env.envelope_id} (${env.type}) waited ${this.queuedAckMs} ms for a handler slot; acked without a payload`,
        );
        void ack().catch(() => undefined);
      });
    }
    this.waiting.push(item);
    this.logger.debug(`Envelope ${env.envelope_id}: every handler slot busy; queued (${this.waiting.length})`);
  }

  private readonly onAckMade = (conn: Connection): void => this.ackMade(conn);

  /** Runs one envelope's handlers and holds a slot until every promise they returned has settled. */
  private runTracked(item: Waiting): void {
    this.activeHandlers++;
    const collected: Array<Promise<unknown>> = [];
    const prev = this.collecting;
    this.collecting = collected;
    const ack: AckFn = (payload) => {
      if (!item.autoAcked) return item.ack(payload);
      if (payload !== undefined && payload !== null) {
        this.logger.warn(
          `Envelope ${item.parsed.frame.envelope_id} was already acked while it waited for a handler slot; ` +
            'this payload is dropped (reply through response_url)',
        );
      }
      return Promise.resolve();
    };
    try {
      this.dispatch(item.conn, item.parsed, ack);
    } finally {
      this.collecting = prev;
    }
    const release = (): void => {
      this.activeHandlers--;
      this.pump();
    };
    if (collected.length === 0) release();
    else void Promise.all(collected).then(release, release);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.activeHandlers < this.handlerLimit && this.waiting.length > 0 && !this.stopped) {
        const next = this.waiting.shift()!;
        this.cancel(next.timer);
        next.timer = undefined;
        this.runTracked(next);
      }
    } finally {
      this.pumping = false;
    }
  }

  private dispatch(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): void {
    if (this.stopped) return;
    const env = parsed.frame;
    // One literal per envelope (no spread of a shared base): this runs for every envelope.
    const args: SlackEventArgs = {
      ack,
      envelope_id: env.envelope_id,
      type: env.type,
      body: env.payload as never,
      retry_num: env.retry_attempt,
      retry_reason: env.retry_reason,
      accepts_response_payload: env.accepts_response_payload,
      connection_id: conn.id,
    };
    switch (parsed.kind) {
      case 'events_api': {
        const event = parsed.frame.payload.event;
        args.event = event;
        this.emit('slack_event', args);
        // Inner types are Slack's; never let one collide with a lifecycle event or mitt's wildcard.
        if (event && !LIFECYCLE.has(event.type)) this.emit(event.type, args);
        return;
      }
      case 'slash_commands':
      case 'interactive':
        this.emit('slack_event', args);
        this.emit(parsed.kind, args);
        return;
      default:
        this.logger.warn(`Envelope ${env.envelope_id} has unknown type "${env.type}"`);
        this.emit('slack_event', args);
        this.emit('unknown_envelope', args);
    }
  }

  // ---------------------------------------------------------------- stopping

  private fatal(err: SocketModeError): void {
    if (this.stopped) return;
    this.emitError(err);
    void this.stop(err.code, err);
  }

  private stop(reason: string, err?: SocketModeError): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    // Re-entered from a `disconnecting` handler: the outer call sets stopPromise before returning.
    if (this.runState === 'disconnecting') return Promise.resolve().then(() => this.stopPromise);
    this.runState = 'disconnecting';
    this.emit('disconnecting', { reason });
    this.abort?.abort();
    for (const s of this.slots) {
      this.cancel(s.retryTimer);
      s.retryTimer = undefined;
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.startSettle) {
      const s = this.startSettle;
      this.startSettle = undefined;
      s.reject(err ?? new DisconnectedError('disconnect() called before the first hello'));
    }
    this.acks.shutdown();
    // Envelopes still waiting for a handler slot are dropped unacked: Slack redelivers the events, and their
    // dedupe keys are forgotten so the redelivery is handled, not swallowed as a duplicate.
    for (const w of this.waiting) {
      this.cancel(w.timer);
      if (!w.autoAcked) this.forgetKeys(w.parsed);
    }
    this.waiting.length = 0;
    const closing = [...this.conns].map((c) => c.close(1000, 'client disconnect'));
    this.stopPromise = (async () => {
      await Promise.all(closing);
      // Let an aborted apps.connections.open call settle so no socket outlives disconnect().
      await this.boundedWait(this.urlChain);
      for (const s of this.slots) {
        s.current = undefined;
        s.next = undefined;
      }
      this.conns.clear();
      this.runState = 'disconnected';
      this.emit('disconnected', err ? { reason, willReconnect: false, error: err } : { reason, willReconnect: false });
    })().catch((e: unknown) => {
      this.runState = 'disconnected';
      this.logger.error(`disconnect failed: ${describe(e)}`);
    });
    return this.stopPromise;
  }

  private forgetKeys(parsed: EnvelopeFrame): void {
    this.forgetKey(dedupeKey(parsed.frame.envelope_id, eventIdOf(parsed)));
  }

  private forgetKey(key: string): void {
    const store = this.dedupe;
    if (!store?.forget) return;
    try {
      void Promise.resolve(store.forget(key)).catch((e: unknown) => this.emitError(new DedupeError(e)));
    } catch (e) {
      this.emitError(new DedupeError(e));
    }
  }

  private boundedWait(p: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.s.closeTimeoutMs);
      void p.then(
        () => {
          clearTimeout(t);
          resolve();
        },
        () => {
          clearTimeout(t);
          resolve();
        },
      );
    });
  }
}

export type { AckFn, AckPayload };

/** An events_api envelope's event_id: what Slack keeps across redeliveries (each gets a new envelope_id). */
function eventIdOf(parsed: EnvelopeFrame): string | undefined {
  const id = parsed.kind === 'events_api' ? parsed.frame.payload.event_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * One key per envelope: `event:<event_id>` catches both a redelivery and one envelope seen on two sockets (same
 * event_id too); envelopes without one (commands, interactions) go by `envelope:<envelope_id>`.
 */
function dedupeKey(envelopeId: string, eventId: string | undefined): string {
  return eventId !== undefined ? `event:${eventId}` : `envelope:${envelopeId}`;
}
