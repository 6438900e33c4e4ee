// The Simulator a caller holds: a facade over the parts startSimulator() wires (records, link, delivery,
// faults, open gate), its state() snapshot, and close().
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from './delivery.ts';
import { buildEnvelope } from './envelopes.ts';
import type { Faults } from './faults.ts';
import type { Feed } from './feed.ts';
import type { Link } from './link.ts';
import type { OpenGate } from './open-gate.ts';
import { urlHost } from './options.ts';
import type { Records } from './records.ts';
import type { TimerBag } from './timers.ts';
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
} from './types.ts';
import { Waits } from './waits.ts';

export class SimulatorImpl implements Simulator {
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly appToken: string;
  readonly botToken: string;
  private closing: Promise<void> | undefined;
  private readonly waits: Waits;

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
    this.waits = new Waits(timers, records);
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
  get apiCalls() {
    return this.records.apiCalls;
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

  inject(
    kind: InjectKind,
    fields: Record<string, unknown> = {},
    opts: { connectionId?: string; label?: string } = {},
  ): Envelope {
    let target = opts.connectionId;
    if (target === undefined && opts.label !== undefined) {
      target = this.link.randomLiveLabeled(opts.label)?.id;
      if (target === undefined) throw new Error(`no live connection labeled ${opts.label}`);
    }
    const env = buildEnvelope(kind, fields, { appId: this.opts.appId, teamId: this.opts.teamId, baseUrl: this.url });
    // With a connectionId only the first delivery is pinned; redeliveries go to any live connection (as Slack's).
    this.dispatcher.deliver(env, true, target);
    return env;
  }

  appTokenFor(label: string): string {
    if (typeof label !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(label)) {
      throw new TypeError('appTokenFor: a label is 1-32 letters, digits, _ or -');
    }
    for (const [token, l] of this.link.tokenLabels) if (l === label) return token;
    // Shaped like Slack's app-level tokens (xapp-1-<app>-<n>-<secret>); masked in records like any other.
    const token = `xapp-1-${this.opts.appId}-${this.link.tokenLabels.size + 2}-${label}`;
    this.link.tokenLabels.set(token, label);
    return token;
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
    return this.waits.forAck(envelope_id, timeoutMs);
  }
  waitFor(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    return this.waits.until(pred, timeoutMs);
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
      apiCalls: this.records.apiCalls,
      missedDeadlines: this.records.missed,
      badFrames: this.records.badFrames,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.waits.close();
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
