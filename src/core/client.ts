// CoreClient: the public face of one client. It makes the client's state (./context.ts) from the options and
// the features it is given, and answers the public calls; the loop itself lives in ./slots.ts (reconnects),
// ./retire.ts (replaced sockets), ./dispatch.ts (envelopes), ./shutdown.ts (stopping) and ./events.ts.
import { ACK_DEADLINE_MS, AckQueue, handled } from './ack-queue.ts';
import { stopped, type Core } from './context.ts';
import { onReceived } from './dispatch.ts';
import { DisconnectedError, InvalidOptionsError, InvalidTokenError, NoWebSocketError } from './errors.ts';
import { emitError, type Handler } from './events.ts';
import type { FeatureSetup, Hooks } from './feature.ts';
import { ConsoleLogger, LogLevel, redactingLogger } from './logger.ts';
import { msOption, type CoreOptions, type DisconnectOptions } from './options.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './parse.ts';
import { ackMade, onDisconnectFrame, onRotateDue } from './retire.ts';
import { stop } from './shutdown.ts';
import { ensureAll, newSlots, onClosed, onHello, sendAck } from './slots.ts';
import type { ClientState, HelloInfo, InnerEventArgs, SocketModeEvents } from './types.ts';
import { assertSecureUrl } from './url.ts';
import { assertAppToken } from './web-api.ts';
import { resolveWebSocket } from '../transport/websocket.ts';

/** Options checked, features set up: the state the rest of the client works on. */
function createCore(opts: CoreOptions): Core {
  if (opts === null || typeof opts !== 'object') throw new InvalidOptionsError('options object required');
  if (opts.logger && opts.logLevel) {
    try {
      opts.logger.setLevel(opts.logLevel);
    } catch {
      // A logger without levels still logs.
    }
  }
  const logger = redactingLogger(
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
  for (const k in settings) settings[k] = msOption(opts[k as keyof CoreOptions] as number | undefined, settings[k]!, k);
  const hooks: Hooks[] = [];
  const c = {
    opts: { ...opts },
    logger,
    settings: settings as unknown as Core['settings'],
    drainMs: msOption(opts.drainTimeoutMs, ACK_DEADLINE_MS, 'drainTimeoutMs'),
    handlers: new Map(),
    hooks,
    poolSize: 1,
    slots: [],
    conns: new Set(),
    timers: new Set(),
    runState: 'idle',
    connSeq: 0,
    marks: {},
    logged: new Map(),
    logSince: 0,
    unheard: new Set(),
    events: {
      onHello: (conn, hello) => onHello(c, conn, hello),
      onDisconnectFrame: (conn, frame) => onDisconnectFrame(c, conn, frame),
      onReceived: (conn, env) => onReceived(c, conn, env),
      onMalformed: (_conn, err) => emitError(c, err),
      onRotateDue: (conn) => onRotateDue(c, conn),
      onClosed: (conn, info) => onClosed(c, conn, info),
    },
    ackMade: (conn, env) => ackMade(c, conn, env),
  } satisfies Partial<Core> as unknown as Core;
  for (const f of opts.features ?? []) {
    const h = (f as unknown as FeatureSetup)(c);
    hooks.push(h);
    if (h.poolSize) (c as { poolSize: number }).poolSize = h.poolSize;
  }
  (c as { acks: AckQueue }).acks = new AckQueue({
    logger,
    send: (text, preferred) => sendAck(c, text, preferred),
    onError: (e) => emitError(c, e),
    track: hooks.find((h) => h.track)?.track,
  });
  return c;
}

export class CoreClient {
  readonly #c: Core;

  constructor(opts: CoreOptions) {
    this.#c = createCore(opts);
  }

  /** Live connections (hello received, not closed). */
  get connectionCount(): number {
    let n = 0;
    for (const x of this.#c.conns) if (x.state === 'live' && !x.dead) n++;
    return n;
  }

  /** Started and at least one connection is live. */
  get isActive(): boolean {
    // A live connection while running means connected or reconnecting (its hello ends 'starting').
    return !stopped(this.#c) && this.connectionCount > 0;
  }

  get state(): ClientState {
    return this.#c.runState;
  }

  /** Ids of open sockets (any state short of closed). */
  get connectionIds(): string[] {
    return [...this.#c.conns].map((x) => x.id);
  }

  on<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  on(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  on(type: string, handler: Handler): this {
    const all = this.#c.handlers;
    all.get(type)?.push(handler) ?? all.set(type, [handler]);
    return this;
  }

  once<K extends keyof SocketModeEvents>(type: K, handler: (arg: SocketModeEvents[K]) => unknown): this;
  once(type: string, handler: (arg: InnerEventArgs) => unknown): this;
  once(type: string, handler: Handler): this {
    const wrapped: Handler = (arg) => {
      this.off(type, wrapped);
      return handler(arg);
    };
    wrapped.original = handler;
    return this.on(type, wrapped);
  }

  /** Without a handler: every handler of `type`. With one: its latest registration (on or once). */
  off<K extends keyof SocketModeEvents>(type: K, handler?: (arg: SocketModeEvents[K]) => unknown): this;
  off(type: string, handler?: (arg: InnerEventArgs) => unknown): this;
  off(type: string, handler?: Handler): this {
    const list = this.#c.handlers.get(type);
    if (!handler) this.#c.handlers.delete(type);
    else if (list) {
      // A once() registration is found by the handler it wraps (or by itself, when it runs).
      const i = handler.original ? list.lastIndexOf(handler) : list.map((h) => h.original ?? h).lastIndexOf(handler);
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
    const c = this.#c;
    if (c.startPromise && !stopped(c)) return c.startPromise;
    if (c.runState === 'disconnecting')
      return handled(Promise.reject(new DisconnectedError('start() while disconnecting')));
    c.WS = resolveWebSocket(c.opts);
    if (!c.WS) return handled(Promise.reject(new NoWebSocketError()));
    c.runState = 'starting';
    c.marks.start = Date.now();
    c.stopPromise = undefined;
    c.hadLive = false;
    c.abort = new AbortController();
    c.openNotBefore = 0;
    c.urlChain = Promise.resolve();
    c.acks.reopen();
    c.slots = newSlots(c);
    c.startPromise = handled(new Promise<HelloInfo>((resolve, reject) => (c.startSettle = { resolve, reject })));
    ensureAll(c);
    return c.startPromise;
  }

  /**
   * Stops: no new sockets; the open ones stay until every envelope received (and arriving meanwhile) is acked,
   * at most `timeoutMs` (drainTimeoutMs); then closes them. A second call, or `signal`, ends the wait. Never rejects.
   */
  disconnect(o?: DisconnectOptions): Promise<void> {
    const c = this.#c;
    if (c.runState === 'idle' || c.runState === 'disconnected') return c.stopPromise ?? Promise.resolve();
    const sig = o?.signal;
    const ms = sig?.aborted ? 0 : msOption(o?.timeoutMs, c.drainMs, 'timeoutMs');
    c.drain?.(1);
    sig?.addEventListener('abort', () => c.drain?.(1));
    return stop(c, 'client_disconnect', undefined, ms);
  }
}
