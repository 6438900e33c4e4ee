// The core SocketModeClient: events (mitt; every handler isolated), connection slots kept live make-before-break,
// the reconnect loop, acks. Only the standard WebSocket, fetch and timers. ../client.ts builds the full client on
// it (dedupe, a handler bound, ping liveness, proactive refresh, write coalescing, deadline warnings) through the
// protected methods marked "hook".
import mittImport, { type Emitter, type EventType } from 'mitt';
import {
  ACK_DEADLINE_MS,
  AckQueue,
  handled,
  type AckFn,
  type AckPayload,
  type AckQueueDeps,
  type AckableEnvelope,
} from './ack-queue.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import {
  Connection,
  type ConnectionCloseInfo,
  type ConnectionEvents,
  type ConnectionOptions,
  type ConnectionSettings,
  type EnvelopeFrame,
} from './connection.ts';
import {
  ConnectionError,
  DisconnectedError,
  HandlerError,
  InsecureUrlError,
  InvalidOptionsError,
  InvalidTokenError,
  LinkDisabledError,
  NetworkError,
  NoWebSocketError,
  RateLimitedError,
  SlackApiError,
  SocketModeError,
  describe,
} from './errors.ts';
import { ConsoleLogger, LogLevel, redactingLogger, type Logger } from './logger.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './parse.ts';
import { healthReport, type HealthMarks, type HealthOptions, type HealthReport, type HealthSource } from './health.ts';
import type { DisconnectFrame, HelloFrame, InnerEvent } from './schemas.ts';
import { assertSecureUrl } from './url.ts';
import { FATAL_OPEN_ERRORS, MAX_TIMER_MS, assertAppToken, openConnectionUrl, type FetchLike } from './web-api.ts';
import { resolveWebSocket, type WebSocketConstructor } from '../transport/websocket.ts';

// mitt ships CJS-style typings: under NodeNext the default import types as the module object, while every
// ESM runtime hands over the function itself. Accept both.
type MittFn = <E extends Record<EventType, unknown>>() => Emitter<E>;
const mitt: MittFn =
  typeof mittImport === 'function'
    ? (mittImport as unknown as MittFn)
    : (mittImport as unknown as { default: MittFn }).default;

export interface CoreOptions {
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
  /** Rotate (make-before-break) sockets that cannot be pinged after this long. Default 300000; 0 disables. */
  rotateAfterMs?: number;
  /** Reconnect backoff. Defaults: initialMs 1000, maxMs 30000, factor 2, tooManyWebSocketsMs 30000. */
  backoff?: BackoffOptions;
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
   * disconnect() keeps the sockets open (still taking envelopes) until every envelope received is acked, but
   * at most this long. Default 3000 (Slack's ack deadline); 0 closes at once.
   */
  drainTimeoutMs?: number;
}

export interface DisconnectOptions {
  /** Overrides drainTimeoutMs for this call. */
  timeoutMs?: number;
  /** Aborting it ends the drain at once (as a second disconnect() does). */
  signal?: AbortSignal;
}

/** A graceful disconnect() closes once no envelope has arrived for this long (and every one is acked). */
const QUIET_MS = 250;
/** Slack's cap on open Socket Mode connections per app. */
export const MAX_SLACK_CONNECTIONS = 10;
/** Default pool size. */
export const DEFAULT_CONNECTIONS = 1;

/** A duration (or size) option: a number >= 0 (else InvalidOptionsError), clamped to what setTimeout can wait. */
export function msOption(v: number | undefined, d: number, name: string): number {
  if (v === undefined) return d;
  // Number.isFinite is false for anything but a finite number (it does not coerce).
  if (!Number.isFinite(v) || v < 0) throw new InvalidOptionsError(`${name} must be a number >= 0`);
  // setTimeout fires at once for delays past 2^31-1 ms: clamp, so a huge value means "practically never".
  return Math.min(v, MAX_TIMER_MS);
}

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

export type EventsApiArgs = EnvelopeArgsBase<
  'events_api',
  Record<string, unknown> & { event_id?: string; event?: InnerEvent }
> & {
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

type Handler = ((arg: any) => unknown) & { original?: Handler };
type Timer = ReturnType<typeof setTimeout>;

// Inner event types are Slack's; one never reaches a lifecycle event's handlers.
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

export interface Slot {
  index: number;
  /** Live (or draining) connection. */
  current?: Connection | undefined;
  /** Connecting connection: the replacement, or the first/next one after a loss. */
  next?: Connection | undefined;
  /** Waiting for a URL. */
  fetching?: boolean;
  /** Backoff timer before the next attempt. */
  retryTimer?: Timer | undefined;
  backoff: Backoff;
  attempts: number;
}

export class SocketModeClient {
  declare protected readonly opts: CoreOptions;
  declare protected readonly logger: Logger;
  protected readonly emitter: Emitter<Record<EventType, unknown>> = mitt();
  declare protected readonly acks: AckQueue;
  /** Connections to keep live: 1 here; the full client's `connections` option sets its pool size. */
  protected poolSize = 1;
  declare protected readonly settings: ConnectionSettings & { retireAfterWarningMs: number; openTimeoutMs: number };
  protected slots: Slot[] = [];
  /** While one envelope's handlers run: the promises they returned (set by a caller that waits on them). */
  declare protected collecting: Array<Promise<unknown>> | undefined;
  /** Every socket held (any state short of closed). */
  protected readonly conns: Set<Connection> = new Set();
  private readonly timers = new Set<Timer>();
  private runState: ClientState = 'idle';
  private connSeq = 0;
  declare private abort: AbortController | undefined;
  /** Set by start(); never rejects. */
  declare private urlChain: Promise<unknown>;
  /** No apps.connections.open call before this time (a 429, or a refusal): every slot waits. */
  protected openNotBefore = 0;
  declare private WS: WebSocketConstructor | undefined;
  declare private startPromise: Promise<HelloInfo> | undefined;
  declare private startSettle: { resolve: (h: HelloInfo) => void; reject: (e: unknown) => void } | undefined;
  declare private stopPromise: Promise<void> | undefined;
  declare private hadLive?: boolean;
  /** The fatal error the client is stopping for, while its 'error' handlers run. */
  declare private fatalError: SocketModeError | undefined;
  /** For health(): when the last start(), error, `reconnecting` and `disconnected` happened, and what they said. */
  private readonly marks: HealthMarks = {};
  /** Errors logged this minute (since logSince) per shape; see emitError. */
  private readonly logged = new Map<string, number>();
  private logSince = 0;
  declare private readonly drainMs: number;
  /** While disconnect() waits for acks: checks whether all are made (ends the wait when they are, or if `force`). */
  declare protected drain: ((force?: unknown) => void) | undefined;
  /** Envelope types acked for want of a listener (warned once each). */
  private readonly unheard = new Set<string>();

  constructor(opts: CoreOptions) {
    if (opts === null || typeof opts !== 'object') throw new InvalidOptionsError('options object required');
    this.opts = { ...opts };
    if (opts.logger && opts.logLevel) {
      try {
        opts.logger.setLevel(opts.logLevel);
      } catch {
        // A logger without levels still logs.
      }
    }
    this.logger = redactingLogger(
      opts.logger ?? new ConsoleLogger('socket-mode:SocketModeClient', opts.logLevel ?? LogLevel.INFO),
    );

    const token = opts.appToken;
    if (token !== undefined) assertAppToken(token);
    else if (typeof opts.openConnection !== 'function') {
      throw new InvalidTokenError('appToken (xapp-…) or openConnection is required');
    }
    if (opts.apiUrl !== undefined) assertSecureUrl(opts.apiUrl, 'https:');
    const settings: Record<string, number> = {
      rotateAfterMs: 300_000,
      helloTimeoutMs: 10_000,
      closeTimeoutMs: 1_000,
      retireAfterWarningMs: 30_000,
      openTimeoutMs: 30_000,
      maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    };
    // Each option: its value checked, or the default above.
    for (const k in settings)
      settings[k] = msOption(opts[k as keyof CoreOptions] as number | undefined, settings[k]!, k);
    this.settings = settings as unknown as SocketModeClient['settings'];
    this.drainMs = msOption(opts.drainTimeoutMs, ACK_DEADLINE_MS, 'drainTimeoutMs');
    this.acks = this.createAckQueue({
      logger: this.logger,
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
    // A live connection while running means connected or reconnecting (its hello ends 'starting').
    return !this.stopped && this.connectionCount > 0;
  }

  get state(): ClientState {
    return this.runState;
  }

  /** What a readiness or liveness probe needs (plain JSON data): see HealthReport, and createHealthHandler(). */
  health(o?: HealthOptions): HealthReport {
    // The builder reads this client's own fields (private ones too): one argument, no copy.
    return healthReport(this as unknown as HealthSource, o);
  }

  /** Ids of open sockets (any state short of closed). */
  get connectionIds(): string[] {
    return [...this.conns].map((c) => c.id);
  }

  on<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  on(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  on(type: string, handler: Handler): this {
    this.emitter.on(type, handler);
    return this;
  }

  once<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  once(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  once(type: string, handler: Handler): this {
    const wrapped: Handler = (arg) => {
      this.emitter.off(type, wrapped);
      return handler(arg);
    };
    wrapped.original = handler;
    this.emitter.on(type, wrapped);
    return this;
  }

  /** Without a handler: every handler of `type`. With one: its latest registration (on or once). */
  off<K extends keyof SocketModeEvents>(type: K, handler?: (arg: SocketModeEvents[K]) => unknown): this;
  off(type: string, handler?: (arg: InnerEventArgs) => unknown): this;
  off(type: string, handler?: Handler): this {
    const list = this.emitter.all.get(type) as Handler[] | undefined;
    if (!handler) this.emitter.off(type);
    else if (list) {
      // A once() registration is found by the handler it wraps.
      const i = list.map((h) => h.original ?? h).lastIndexOf(handler);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /**
   * Connects. Resolves with the first hello; rejects on fatal errors (bad token, link_disabled, a
   * disconnect() before hello). The returned promise is pre-handled: ignoring it never causes an unhandled
   * rejection (the error is also emitted on `error` and logged).
   */
  start(): Promise<HelloInfo> {
    const st = this.runState;
    if (this.startPromise && !this.stopped) return this.startPromise;
    if (st === 'disconnecting') return handled(Promise.reject(new DisconnectedError('start() while disconnecting')));
    this.WS = resolveWebSocket(this.opts.WebSocket);
    if (!this.WS) return handled(Promise.reject(new NoWebSocketError()));
    this.runState = 'starting';
    this.marks.start = Date.now();
    this.stopPromise = undefined;
    this.hadLive = false;
    this.abort = new AbortController();
    this.openNotBefore = 0;
    this.urlChain = Promise.resolve();
    this.acks.reopen();
    this.slots = Array.from({ length: this.poolSize }, (_, index) => ({
      index,
      backoff: new Backoff(this.opts.backoff),
      attempts: 0,
    }));
    this.startPromise = handled(new Promise<HelloInfo>((resolve, reject) => (this.startSettle = { resolve, reject })));
    this.ensureAll();
    return this.startPromise;
  }

  /**
   * Stops: no new sockets; the open ones stay until every envelope received (and arriving meanwhile) is acked,
   * at most `timeoutMs` (drainTimeoutMs); then closes them. A second call, or `signal`, ends the wait. Never rejects.
   */
  disconnect(o?: DisconnectOptions): Promise<void> {
    if (this.runState === 'idle' || this.runState === 'disconnected') return this.stopPromise ?? Promise.resolve();
    const sig = o?.signal;
    const ms = sig?.aborted ? 0 : msOption(o?.timeoutMs, this.drainMs, 'timeoutMs');
    this.drain?.(1);
    sig?.addEventListener('abort', () => this.drain?.(1));
    return this.stop('client_disconnect', undefined, ms);
  }

  // ---------------------------------------------------------------- hooks

  /** hook: the ack bookkeeping (the full client adds deadline warnings). Called from the constructor. */
  protected createAckQueue(deps: AckQueueDeps): AckQueue {
    return new AckQueue(deps);
  }

  /** hook: one socket (the full client's can ping and coalesce writes). */
  protected createConnection(o: ConnectionOptions): Connection {
    return new Connection(o);
  }

  /** hook: a connection became its slot's live one (just before `connected` is emitted). */
  protected connected(_conn: Connection, _slot: Slot, _hello: HelloFrame, _ev: ConnectedEvent): void {}

  /** hook: an envelope arrived (the full client filters duplicates here). */
  protected onEnvelope(conn: Connection, parsed: EnvelopeFrame): void {
    this.admit(conn, parsed);
  }

  /** hook: hand an admitted envelope to user code (the full client bounds handler concurrency here). */
  protected deliver(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): void {
    this.dispatch(conn, parsed, ack);
  }

  /** hook: a handler threw or rejected. */
  protected handlerFailed(type: string, e: unknown, arg: unknown): void {
    if (type === 'error') {
      this.logger.error(`An 'error' handler failed: ${describe(e)}`);
      return;
    }
    const id = (arg as { envelope_id?: unknown } | undefined)?.envelope_id;
    this.emitError(new HandlerError(type, e, typeof id === 'string' ? id : undefined));
  }

  /** hook: the first ack attempt of a delivered envelope was made (sent, queued or refused). */
  protected ackAttempted(_env: AckableEnvelope): void {}

  /** hook: the client is stopping (every connection is about to close). */
  protected stopping(): void {}

  // ---------------------------------------------------------------- events plumbing

  /** mitt holds the handlers; each runs isolated: sync and async failures go to `error`, never to the caller. */
  protected emit<K extends keyof SocketModeEvents>(type: K, arg: SocketModeEvents[K]): void;
  protected emit(type: string, arg: unknown): void;
  protected emit(type: string, arg: unknown): void {
    if (type === 'reconnecting' || type === 'disconnected')
      this.marks[type] = { at: Date.now(), ...(arg as ReconnectingEvent) };
    const list = this.emitter.all.get(type) as Handler[] | undefined;
    if (!list?.length) return;
    if (list.length === 1) return this.invoke(type, list[0]!, arg);
    for (const h of list.slice()) this.invoke(type, h, arg);
  }

  private invoke(type: string, handler: Handler, arg: unknown): void {
    try {
      const r = handler(arg);
      // A thenable (object or function, as Promise.resolve takes it): its failure is reported too.
      if (typeof (r as { then?: unknown } | undefined)?.then === 'function') {
        const settled = Promise.resolve(r as PromiseLike<unknown>).then(undefined, (e: unknown) =>
          this.handlerFailed(type, e, arg),
        );
        this.collecting?.push(settled);
      }
    } catch (e) {
      this.handlerFailed(type, e, arg);
    }
  }

  /**
   * Every error goes to the `error` listeners (logged at debug), or without one is logged as an error. The log is
   * limited: per shape (code and message, digits aside) the first 3 a minute in full, then a count.
   */
  protected emitError(err: SocketModeError): void {
    const at = Date.now();
    this.marks.error = { at, code: err.code, message: err.message };
    const line = `${err.name} [${err.code}]: ${err.message}`;
    if (at - this.logSince >= 60_000) this.flushLog();
    const logged = this.logged;
    // A peer that varies its garbage must not grow this map without bound: past 50 shapes, counted by code alone.
    const key = logged.size < 50 ? line.replace(/\d+/g, '#') : err.code;
    const n = (logged.get(key) ?? 0) + 1;
    logged.set(key, n);
    if (n < 4) this.logError(line);
    // The first one held back: the count is logged a minute on (a client timer: none outlives disconnect()).
    else if (n < 5 && !this.stopped) this.later(60_000, () => this.flushLog());
    this.emit('error', err);
  }

  /** At debug when an `error` listener has it, else as an error. */
  private logError(line: string): void {
    this.logger[this.emitter.all.get('error')?.length ? 'debug' : 'error'](line);
  }

  /** Ends the minute: a count for each shape logged more than 3 times in it. */
  private flushLog(): void {
    for (const [key, n] of this.logged) if (n > 3) this.logError(`${key} … repeated ${n - 3} times in the last minute`);
    this.logged.clear();
    this.logSince = Date.now();
  }

  // ---------------------------------------------------------------- timers

  protected later(ms: number, fn: () => void): Timer {
    // Clamped: a longer delay (a Retry-After from a hook's own RateLimitedError) would fire at once.
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    this.timers.add(t);
    return t;
  }

  protected cancel(t: Timer | undefined): void {
    // Both are no-ops for undefined.
    clearTimeout(t);
    this.timers.delete(t!);
  }

  // ---------------------------------------------------------------- connection set

  protected get stopped(): boolean {
    return this.runState === 'disconnecting' || this.runState === 'disconnected' || this.runState === 'idle';
  }

  /** Envelopes are dropped: stopped, and not draining (a draining client still takes them). */
  protected get ignoring(): boolean {
    return this.stopped && !this.drain;
  }

  /** hook: give every slot that needs a socket its attempt (the full client's pool orders them). */
  protected ensureAll(): void {
    for (const s of this.slots) this.ensure(s);
  }

  /**
   * Starts an attempt for `slot` if it needs one, none is under way and no backoff is pending, within the socket
   * budget: open sockets plus URLs being fetched never exceed n + 1 (nor Slack's cap of 10). Replacements are
   * therefore serialized: while one slot swaps, another that also needs a new socket waits for the old one to close.
   */
  protected ensure(slot: Slot): void {
    if (this.stopped || slot.fetching || slot.next || slot.retryTimer !== undefined) return;
    const c = slot.current;
    if (c && !c.draining && !c.dead && c.state !== 'closing' && c.state !== 'closed') return;
    let used = this.conns.size;
    for (const s of this.slots) if (s.fetching) used++;
    // n+1 during a swap, but never past Slack's cap (with 10, a swap waits for the old socket to close).
    if (used < Math.min(this.poolSize + 1, MAX_SLACK_CONNECTIONS)) void this.attempt(slot);
    else if (c) this.budgetFull(slot, c);
  }

  /** hook: `slot` needs a new socket but every one the budget allows is in use (the full client frees some). */
  protected budgetFull(_slot: Slot, _conn: Connection): void {}

  protected scheduleRetry(slot: Slot, reason: string, floorMs = 0): void {
    if (this.stopped) return;
    if (this.opts.autoReconnectEnabled === false) {
      return this.fatal(new ConnectionError(`Connection lost (${reason}); autoReconnectEnabled is false`));
    }
    this.cancel(slot.retryTimer);
    const delayMs = slot.backoff.next(floorMs);
    slot.retryTimer = this.later(delayMs, () => {
      slot.retryTimer = undefined;
      this.ensure(slot);
    });
    this.setRecovering();
    this.emit('reconnecting', {
      slot: slot.index,
      reason,
      delayMs,
      attempt: slot.backoff.attempts,
      makeBeforeBreak: false,
    });
    this.logger.info(`Slot ${slot.index}: reconnecting in ${delayMs} ms (${reason})`);
  }

  private async attempt(slot: Slot): Promise<void> {
    // This run of the client: a URL that arrives after disconnect() (even once start() has begun another run,
    // with new slots) is dropped, never turned into a socket for a slot that no longer exists.
    const run = this.abort!.signal;
    slot.fetching = true;
    this.emit('connecting', { slot: slot.index, attempt: ++slot.attempts });
    let url: string;
    try {
      url = await this.getUrl();
      assertSecureUrl(url, 'wss:');
    } catch (e) {
      slot.fetching = false;
      if (run.aborted) return;
      this.openFailed(slot, e);
      return this.ensureAll();
    }
    slot.fetching = false;
    if (run.aborted) return;
    const conn = this.createConnection({
      id: `c${++this.connSeq}`,
      slot: slot.index,
      url,
      WebSocket: this.WS!,
      ...this.settings,
      logger: this.logger,
      // The client itself: onHello, onDisconnectFrame, onReceived, onMalformed, onRotateDue, onClosed.
      events: this as unknown as ConnectionEvents,
    });
    slot.next = conn;
    this.conns.add(conn);
    this.emit('authenticated', { slot: slot.index, connection_id: conn.id });
    conn.open();
  }

  /** Serialized: one apps.connections.open call at a time, each with a deadline, and a 429 holds every slot back. */
  private getUrl(): Promise<string> {
    // The run that asked: a request queued behind one that outlived disconnect() must not go out in a later run.
    const outer = this.abort!.signal;
    const run = async (): Promise<string> => {
      // After a 429 or a refusal every slot waits.
      const wait = this.openNotBefore - Date.now();
      // The wait ends early if the client stops (and the request is then dropped).
      if (wait > 0 && !outer.aborted) {
        await new Promise<void>((resolve) => {
          const t = this.later(wait, resolve);
          outer.addEventListener('abort', () => resolve(this.cancel(t)), { once: true });
        });
      }
      if (outer.aborted) throw new DisconnectedError();
      const ctl = new AbortController();
      const onAbort = (): void => ctl.abort();
      outer.addEventListener('abort', onAbort, { once: true });
      const o = this.opts;
      const ms = this.settings.openTimeoutMs;
      let t: Timer | undefined;
      try {
        return await Promise.race([
          o.openConnection ? o.openConnection() : openConnectionUrl({ ...o, signal: ctl.signal }),
          new Promise<never>((_, reject) => {
            t = this.later(ms, () => {
              ctl.abort();
              reject(new NetworkError('apps.connections.open', new Error(`no answer within ${ms} ms`)));
            });
          }),
        ]);
      } finally {
        this.cancel(t);
        outer.removeEventListener('abort', onAbort);
      }
    };
    const p = this.urlChain.then(run);
    this.urlChain = p.catch(() => undefined);
    return p;
  }

  private openFailed(slot: Slot, err: unknown): void {
    // Every failed attempt reaches `error` with a code; what a user's openConnection threw is wrapped.
    const e =
      err instanceof SocketModeError
        ? err
        : new SocketModeError('connection_url_unavailable', `openConnection: ${describe(err)}`, { cause: err });
    if (e instanceof SlackApiError && (e.fatal || FATAL_OPEN_ERRORS.has(e.slackError))) return this.fatal(e);
    // The runtime forbids the network (Deno without --allow-net): no retry can change that, so say it once.
    if (
      e instanceof InsecureUrlError ||
      (e instanceof NetworkError && (e.cause as { name?: unknown } | undefined)?.name === 'NotCapable')
    )
      return this.fatal(e);
    this.emitError(e);
    if (e instanceof RateLimitedError) {
      // A hook may throw its own RateLimitedError: keep its wait within what a timer can hold.
      const waitMs = Number.isFinite(e.retryAfterMs) ? Math.min(Math.max(0, e.retryAfterMs), MAX_TIMER_MS) : 60_000;
      this.openNotBefore = Math.max(this.openNotBefore, Date.now() + waitMs);
      return this.scheduleRetry(slot, 'rate_limited', waitMs);
    }
    this.scheduleRetry(slot, 'open_failed');
  }

  protected slotOf(conn: Connection): Slot | undefined {
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
    // The backoff restarts only once this connection has stayed up a while: a server that says hello and then
    // closes at once must not be reconnected to at the first delay forever.
    conn.schedule('healthy', slot.backoff.healthyMs, () => slot.backoff.reset());
    this.cancel(slot.retryTimer);
    slot.retryTimer = undefined;
    // Switch first, then retire the old one (it keeps delivering until it closes).
    if (old && old.state !== 'closed') this.retire(old);
    this.acks.flush();
    const info: HelloInfo = {
      connection_id: conn.id,
      slot: slot.index,
      num_connections: hello.num_connections,
      debug_info: hello.debug_info,
      connection_info: hello.connection_info,
    };
    this.hadLive = true;
    // Not stopped (checked above): starting, reconnecting or already connected.
    this.runState = 'connected';
    // Every socket we hold that Slack may count (one still in its handshake counts too: we over-count
    // ourselves, never Slack's ghosts).
    const held = this.conns.size;
    const num = hello.num_connections;
    const ev: ConnectedEvent = { ...info, replaced: old?.id, held, ghosts: Math.max(0, num! - held) || 0 };
    this.logger.info(
      `Slot ${slot.index}: ${conn.id} live${old ? `, replaces ${old.id}` : ''}; Slack counts ${num ?? '?'}`,
    );
    // start() has its hello now, whatever a 'connected' handler does next (a disconnect() there must not reject it).
    const settle = this.startSettle;
    this.startSettle = undefined;
    this.connected(conn, slot, hello, ev);
    this.emit('connected', ev);
    settle?.resolve(info);
    this.ensureAll();
  }

  /**
   * Slack's `disconnect`. A refusal (too_many_websockets) takes the generic path here: the socket is replaced,
   * and a replacement refused before its hello backs off; the full client adds a long floor and an event.
   */
  protected onDisconnectFrame(conn: Connection, frame: DisconnectFrame): void {
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    const reason = frame.reason;
    this.logger.info(`${conn.id}: Slack sent disconnect (${reason})`);
    if (reason === 'link_disabled') return this.fatal(new LinkDisabledError());
    if (reason !== 'warning') conn.slackClosing = true;
    if (conn.draining) {
      // Already being replaced (after a `warning`, or a rotation of our own): Slack has now stopped routing
      // here, so it can go as soon as the replacement is live (at once, if that has happened) and its envelopes
      // are acked — or at once if no replacement can start (the budget is full, e.g. connections: 10).
      if (reason !== 'warning') {
        const kept = conn.keepUntilRefresh;
        conn.keepUntilRefresh = false;
        if (slot?.current !== conn) {
          if (kept) this.closeWhenDrained(conn, reason);
        } else this.releaseIfBlocked(conn);
      } else if (!conn.keepUntilRefresh && conn.state === 'live') {
        // A warning on a socket our own rotation is replacing: Slack still routes here until refresh_requested,
        // so it is kept open like any warned socket (retired on that, or at retireAfterWarningMs).
        conn.keepUntilRefresh = true;
        if (slot && slot.current !== conn) {
          conn.unschedule('drain');
          this.retire(conn);
        }
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
   * (or Slack's own close), with a bounded wait in case that never comes (after which it still drains).
   */
  private retire(old: Connection): void {
    if (old.keepUntilRefresh) {
      old.schedule('retire', this.settings.retireAfterWarningMs, () => this.closeWhenDrained(old, 'replaced'));
      return;
    }
    // Slack routes nothing more here (or, for a rotation we started, may until it sees our close): keep it just
    // until the envelopes it brought are acked, so each ack goes back on the connection its envelope came on.
    if (old.slackClosing || !old.dead) return this.closeWhenDrained(old, 'replaced');
    void old.close(1000, 'replaced');
  }

  /** Close `conn` once every envelope it delivered has been acked; never later than Slack's ack deadline. */
  protected closeWhenDrained(conn: Connection, reason: string): void {
    if (conn.state === 'closing' || conn.state === 'closed') return;
    if (conn.unacked <= 0 || conn.dead) {
      void conn.close(1000, reason);
      return;
    }
    if (conn.isScheduled('drain')) return;
    this.logger.debug(`${conn.id}: closing after ${conn.unacked} acks`);
    conn.drainReason = reason;
    conn.schedule('drain', ACK_DEADLINE_MS, () => void conn.close(1000, reason));
  }

  /** One envelope from `conn` has been acked (or its ack attempted). */
  private readonly ackMade = (conn: Connection, env: AckableEnvelope): void => {
    this.ackAttempted(env);
    conn.unacked--;
    this.drain?.();
    if (conn.unacked > 0 || !conn.unschedule('drain')) return;
    void conn.close(1000, conn.drainReason);
  };

  /** A connection's envelope: to the hook, unless the client ignores envelopes now. */
  private onReceived(conn: Connection, env: EnvelopeFrame): void {
    if (!this.ignoring) this.onEnvelope(conn, env);
  }

  private onMalformed(_conn: Connection, err: SocketModeError): void {
    this.emitError(err);
  }

  /** rotateAfterMs elapsed on a socket that cannot be pinged: replace it make-before-break (see ensure()). */
  private onRotateDue(conn: Connection): void {
    conn.rotating = true;
    this.replace(conn, 'rotate');
    // Already draining (a proactive refresh waiting for a place): the budget decides again now.
    const slot = this.slotOf(conn);
    if (slot) this.ensure(slot);
  }

  /** Mark `conn` for replacement; the slot opens a new connection and closes this one on the new hello. */
  protected replace(conn: Connection, reason: string): void {
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    if (!slot) return;
    if (slot.next === conn) {
      // Told to go away before its hello: treat as a failed attempt.
      slot.next = undefined;
      void conn.close(1000, reason);
      return this.scheduleRetry(slot, reason);
    }
    if (slot.current !== conn || conn.draining) return;
    conn.draining = true;
    this.emit('reconnecting', { slot: slot.index, reason, delayMs: 0, attempt: 0, makeBeforeBreak: true });
    this.ensure(slot);
  }

  private onClosed(conn: Connection, info: ConnectionCloseInfo): void {
    // Its own timers (refresh, drain, retirement) ended when it started closing.
    this.conns.delete(conn);
    if (this.stopped) return;
    const slot = this.slotOf(conn);
    if (!slot) return;
    const planned = info.requested || conn.draining;
    const pending = slot.next === conn;
    const { code, cause, reason, error } = info;
    const msg = `Connection ${conn.id} closed${pending ? ' before hello' : ''} (${code} ${cause}${reason && ` "${reason}"`}${error ? `: ${error}` : ''})`;
    // A close this client did not ask for (a failed handshake, no hello, a peer's 1006, 1007, 1011, 4xxx…) is named
    // on `error` before the reconnect; its cause is the close info (code, reason).
    if (!planned && (pending || slot.current === conn))
      this.emitError(new ConnectionError(msg, conn.id, { cause: info }));
    else this.logger.debug(msg);
    if (slot.current === conn) {
      slot.current = undefined;
      if (!planned && !slot.next && !slot.fetching) this.scheduleRetry(slot, `closed:${cause}`);
    } else if (pending) {
      slot.next = undefined;
      if (slot.retryTimer === undefined) this.scheduleRetry(slot, cause === 'hello_timeout' ? cause : 'connect_failed');
    }
    this.checkLiveLoss(`closed:${cause}`);
    this.ensureAll();
  }

  private liveCount(): number {
    let n = 0;
    for (const { current: c } of this.slots) if (c?.state === 'live' && !c.dead) n++;
    return n;
  }

  private setRecovering(): void {
    if (this.runState === 'connected' && this.liveCount() === 0) this.runState = 'reconnecting';
  }

  /** Emits `disconnected` (willReconnect) when the last live connection is gone. */
  protected checkLiveLoss(reason: string): void {
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

  /**
   * Hands a (non-duplicate) envelope on. Its ack function exists from here on and writes straight to a socket:
   * an ack never waits behind anyone's handler work.
   */
  protected admit(conn: Connection, parsed: EnvelopeFrame): void {
    if (this.ignoring) return;
    // The first ack attempt (sent, queued or refused) settles this envelope's account on `conn`.
    const ack = this.acks.create(parsed.frame, conn, this.ackMade);
    conn.unacked++;
    this.deliver(conn, parsed, ack);
  }

  /**
   * Runs the handlers. Every way in checks that the client runs (admit(), the full client's dedupe answer), except
   * the full client's handler queue, which after disconnect() still runs the envelopes it already acked.
   */
  protected dispatch(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): void {
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
    let type: string | undefined = parsed.kind;
    if (type === 'events_api') {
      const ev = (args.event = (env.payload as EventsApiArgs['body']).event);
      type = ev && !LIFECYCLE.has(ev.type) ? ev.type : undefined;
    }
    const all = this.emitter.all;
    if (!all.get('slack_event')?.length && !(type && all.get(type)?.length)) {
      // Nobody takes it: acked anyway, or Slack retries it and, if it keeps failing, disables event delivery.
      // Said once per event the app could listen to (every unknown type is 'unknown_envelope').
      const t = type ?? env.type;
      if (!this.unheard.has(t)) {
        this.unheard.add(t);
        this.logger.warn(`No listener for ${t}; acked`);
      }
      return void ack();
    }
    this.emit('slack_event', args);
    if (type) this.emit(type, args);
  }

  // ---------------------------------------------------------------- stopping

  protected fatal(err: SocketModeError): void {
    if (this.stopped) return;
    // An 'error' handler that calls disconnect() must not hide why the client stops (start()'s rejection, `disconnected`).
    this.fatalError = err;
    this.emitError(err);
    void this.stop(err.code, err);
  }

  private stop(reason: string, err?: SocketModeError, drainMs = 0): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    if (!err && this.fatalError) {
      err = this.fatalError;
      reason = err.code;
    }
    this.fatalError = undefined;
    // Re-entered from a `disconnecting` handler: the outer call sets stopPromise before returning.
    if (this.runState === 'disconnecting') return Promise.resolve().then(() => this.stopPromise);
    this.runState = 'disconnecting';
    this.emit('disconnecting', { reason });
    this.abort?.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const settle = this.startSettle;
    this.startSettle = undefined;
    settle?.reject(err ?? new DisconnectedError('disconnect() before hello'));
    // How long to keep the sockets open: while an envelope received on one that can still ack is unacked (asked
    // again on each ack, and every QUIET_MS in case that socket is lost), and until none has arrived for QUIET_MS
    // (Slack may have more in flight: it routes here until the close).
    const wait = (): number => {
      let last = 0;
      for (const c of this.conns) {
        if (!c.canSend) continue;
        if (c.unacked) return QUIET_MS;
        if (c.lastFrameAt > last) last = c.lastFrameAt;
      }
      return last + QUIET_MS - Date.now();
    };
    this.stopPromise = (async () => {
      if (drainMs > 0 && wait() > 0)
        await new Promise<void>((resolve) => {
          let q: Timer | undefined;
          const check = (force?: unknown): void => {
            const w = force ? 0 : wait();
            clearTimeout(q);
            if (w > 0) return void (q = setTimeout(check, w));
            clearTimeout(t);
            this.drain = undefined;
            resolve();
          };
          const t = setTimeout(check, drainMs, 1);
          this.drain = check;
          check();
        });
      this.acks.shutdown();
      this.stopping();
      await Promise.all([...this.conns].map((c) => c.close(1000, 'client disconnect')));
      // Let an aborted apps.connections.open call settle so no socket outlives disconnect().
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.settings.closeTimeoutMs);
        const done = (): void => {
          clearTimeout(t);
          resolve();
        };
        this.urlChain.then(done);
      });
      for (const s of this.slots) s.current = s.next = s.retryTimer = undefined;
      this.conns.clear();
      this.runState = 'disconnected';
      this.emit('disconnected', { reason, willReconnect: false, ...(err && { error: err }) });
    })().catch((e: unknown) => {
      this.runState = 'disconnected';
      this.logger.error(`disconnect failed: ${describe(e)}`);
    });
    return this.stopPromise;
  }
}

export type { AckFn, AckPayload };
