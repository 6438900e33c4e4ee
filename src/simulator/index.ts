// Public surface of the simulator: startSimulator() wires the HTTP server, the link, delivery, faults
// and records together. Node only (uses node:http and `ws`).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dispatcher } from './delivery.ts';
import { buildEnvelope } from './envelopes.ts';
import { classifyClientFrame } from './client-frames.ts';
import { Faults } from './faults.ts';
import { Feed } from './feed.ts';
import { createHttpHandler } from './http.ts';
import { Link, rejectUpgrade } from './link.ts';
import { OpenGate } from './open-gate.ts';
import { Records } from './records.ts';
import { TimerBag } from './timers.ts';
import type {
  AckRecord,
  ConnectionInfo,
  Envelope,
  FailOpen,
  InjectKind,
  MissedRecord,
  ResolvedOptions,
  SimEventName,
  SimState,
  Simulator,
  SimulatorOptions,
} from './types.ts';

export type * from './types.ts';
export { INJECT_KINDS } from './types.ts';

const DEFAULTS: ResolvedOptions = {
  port: 0,
  host: '127.0.0.1',
  appToken: 'xapp-1-A111-1-simulator',
  botToken: 'xoxb-1-simulator',
  appId: 'A111',
  teamId: 'T111',
  ackTimeoutMs: 3000,
  redeliveryDelaysMs: [0, 60_000, 300_000],
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  maxConnections: 10,
  approximateConnectionTimeSec: 18_060,
  refreshWarningLeadMs: 10_000,
  refreshCloseDelayMs: 1000,
  autoRefresh: false,
  halfOpenReapMs: 0,
  random: () => Math.random(),
  openRateLimit: false,
  log: () => {},
};

// Belt and braces for "never log tokens": whatever a log line contains, token-shaped strings are masked.
const TOKEN_RE = /\bx(?:app|ox[a-z])-[A-Za-z0-9-]+/g;
const safeLog = (log: (line: string) => void) => (line: string) =>
  log(line.replace(TOKEN_RE, (t) => `${t.slice(0, 5)}[REDACTED]`));

function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as SimulatorOptions;
  const r = { ...DEFAULTS, ...defined } as ResolvedOptions;
  r.log = safeLog(o.log ?? DEFAULTS.log);
  return r;
}

/** Host for URLs handed out: a wildcard bind address is reached via loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

class SimulatorImpl implements Simulator {
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly appToken: string;
  readonly botToken: string;
  private closing: Promise<void> | undefined;
  private readonly waiters = new Set<(err: Error) => void>();

  constructor(
    private readonly server: Server,
    private readonly opts: ResolvedOptions,
    private readonly timers: TimerBag,
    private readonly records: Records,
    private readonly link: Link,
    private readonly dispatcher: Dispatcher,
    private readonly faults: Faults,
    private readonly gate: OpenGate,
    private readonly feed: () => Feed | undefined,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${urlHost(opts.host)}:${this.port}`;
    this.apiUrl = `${this.url}/api/`;
    this.appToken = opts.appToken;
    this.botToken = opts.botToken;
  }

  get acks(): AckRecord[] {
    return this.records.acks;
  }
  get deliveries() {
    return this.records.deliveries;
  }
  get posted() {
    return this.records.posted;
  }
  get openCalls(): number {
    return this.records.openCalls;
  }
  get badClientFrames(): number {
    return this.records.badClientFrames;
  }
  get badFrames() {
    return this.records.badFrames;
  }

  inject(kind: InjectKind, fields: Record<string, unknown> = {}, opts: { connectionId?: string } = {}): Envelope {
    const env = buildEnvelope(kind, fields, { appId: this.opts.appId, teamId: this.opts.teamId, baseUrl: this.url });
    // With a connectionId only the first delivery is pinned; redeliveries go to any live connection (as Slack's).
    this.dispatcher.deliver(env, true, opts.connectionId);
    return env;
  }

  sendEnvelope(envelope: Record<string, unknown>, opts: { connectionId?: string } = {}): void {
    // As given: no retry schedule, but acks of it are still matched and deadlines still recorded.
    this.dispatcher.deliver(envelope as unknown as Envelope, false, opts.connectionId);
  }

  sendRaw(frame: string | Uint8Array, opts?: { connectionId?: string; binary?: boolean }): void {
    this.faults.sendRaw(frame, opts);
  }
  refresh(opts?: { connectionId?: string; warning?: boolean }): void {
    this.faults.refresh(opts);
  }
  disableLink(): void {
    this.faults.disableLink();
  }
  enableLink(): void {
    this.faults.enableLink();
  }
  drop(opts?: { connectionId?: string }): void {
    this.faults.drop(opts);
  }
  halfOpen(opts?: { connectionId?: string }): void {
    this.faults.halfOpen(opts);
  }
  closeConnection(opts?: { connectionId?: string; code?: number; reason?: string }): void {
    this.faults.closeConnection(opts);
  }
  silentDeath(opts?: { connectionId?: string; routeForMs?: number; closeReaches?: boolean }): void {
    this.faults.silentDeath(opts);
  }
  failNextOpen(f: FailOpen, times = 1): void {
    this.gate.failNext(f, times);
    this.records.emit('fault', { fault: 'fail_next_open', ...f, times, at: Date.now() });
  }

  connections(): ConnectionInfo[] {
    return [...this.link.conns.values()].map((c) => c.info());
  }
  missedDeadlines(): MissedRecord[] {
    return [...this.records.missed];
  }
  noLiveConnectionMs(): number {
    return this.records.noLiveConnectionMs();
  }
  resetStats(): void {
    this.records.reset();
  }

  waitForAck(envelope_id: string, timeoutMs = 5000): Promise<AckRecord> {
    const found = this.records.acks.find((a) => a.envelope_id === envelope_id);
    if (found) return Promise.resolve(found);
    return this.wait<AckRecord>(timeoutMs, `ack of ${envelope_id}`, (resolve) =>
      this.records.on('ack', (a: AckRecord) => {
        if (a.envelope_id === envelope_id) resolve(a);
      }),
    );
  }

  waitFor(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    if (pred()) return Promise.resolve();
    return this.wait<void>(timeoutMs, 'condition', (resolve) => {
      // Poll as well as re-check on sim events: the predicate may depend on anything.
      const check = (): void => {
        if (pred()) resolve();
      };
      const t = this.timers.every(5, check);
      const off = this.records.onAny(check);
      return () => {
        off();
        this.timers.clear(t);
      };
    });
  }

  private wait<T>(timeoutMs: number, what: string, subscribe: (resolve: (v: T) => void) => () => void): Promise<T> {
    if (this.closing) return Promise.reject(new Error('simulator closed'));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        unsubscribe();
        this.timers.clear(timer);
        this.waiters.delete(fail);
      };
      const fail = (err: Error): void => {
        if (done) return;
        finish();
        reject(err);
      };
      const unsubscribe = subscribe((v) => {
        if (done) return;
        finish();
        resolve(v);
      });
      const timer = this.timers.after(timeoutMs, () =>
        fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      );
      this.waiters.add(fail);
    });
  }

  on(ev: SimEventName, fn: (rec: any) => void): () => void {
    return this.records.on(ev, fn);
  }

  state(): SimState {
    return {
      url: this.url,
      apiUrl: this.apiUrl,
      appId: this.opts.appId,
      teamId: this.opts.teamId,
      linkDisabled: this.link.linkDisabled,
      queued: this.dispatcher.queued,
      openCalls: this.records.openCalls,
      badClientFrames: this.records.badClientFrames,
      noLiveConnectionMs: this.noLiveConnectionMs(),
      connections: this.connections(),
      acks: this.records.acks,
      deliveries: this.records.deliveries,
      posted: this.records.posted,
      missedDeadlines: this.records.missed,
      badFrames: this.records.badFrames,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const fail of [...this.waiters]) fail(new Error('simulator closed'));
      this.feed()?.close();
      this.link.destroyAll();
      this.dispatcher.clearQueue();
      this.timers.clearAll();
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
      this.records.clearListeners();
      this.opts.log('simulator: closed');
    })();
    return this.closing;
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveOptions(options);
  const timers = new TimerBag();
  const records = new Records();
  const link = new Link(opts, timers, records);
  const dispatcher = new Dispatcher(opts, timers, records, link);
  const faults = new Faults(opts, link, records);
  const gate = new OpenGate(opts.openRateLimit);
  let sim: SimulatorImpl | undefined;
  let feed: Feed | undefined;

  link.hooks = {
    onLive: (conn) => {
      if (opts.autoRefresh && opts.approximateConnectionTimeSec > 0) {
        // Slack's own refresh, approximate_connection_time after hello; the warning goes out the lead before.
        const at = Math.max(0, opts.approximateConnectionTimeSec * 1000 - opts.refreshWarningLeadMs);
        link.connTimer(conn, Math.min(at, 2 ** 31 - 1), () => {
          if (conn.state === 'live' && !conn.warned)
            faults.refresh({ connectionId: conn.id, warning: true, auto: true });
        });
      }
      dispatcher.flush();
    },
    onFrame: (conn, data, isBinary) => {
      const f = classifyClientFrame(data, isBinary);
      if (f.kind === 'ack') dispatcher.onAck(conn, f.envelope_id, f.payload, f.hasPayload);
      else {
        opts.log(`link: ${conn.id} sent a bad frame (${f.reason})`);
        records.addBadFrame({ connectionId: conn.id, reason: f.reason, sample: f.sample, at: Date.now() });
      }
    },
  };

  const server = createServer();
  server.on('request', (req, res) => {
    if (!sim) return void res.writeHead(503).end();
    handler(req, res);
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    socket.on('error', () => {}); // a reset during the handshake must not crash the process
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request'); // `GET http://[`: not a crash of the process
    }
    if (!sim) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (url.pathname === '/link/' || url.pathname === '/link') return link.handleUpgrade(req, socket, head, url);
    if (url.pathname === '/_sim/feed') return feed!.handleUpgrade(req, socket, head);
    rejectUpgrade(socket, 404, 'Not Found');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  sim = new SimulatorImpl(server, opts, timers, records, link, dispatcher, faults, gate, () => feed);
  const s = sim;
  feed = new Feed(records, () => s.state());
  const handler = createHttpHandler({
    opts,
    records,
    gate,
    sim,
    linkUrl: () =>
      `${s.url.replace(/^http/, 'ws')}/link/?ticket=${link.issueTicket()}&app_id=${encodeURIComponent(opts.appId)}`,
    deliver: (env, connectionId) => dispatcher.deliver(env, true, connectionId),
  });
  opts.log(`simulator: listening on ${sim.url}`);
  return sim;
}
