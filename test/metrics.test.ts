// metrics(): what operators read, against the simulator over real sockets. Counts and orderings only: envelopes by
// type, acks and their latency histogram, missed deadlines, duplicates, reconnects by reason, dead sockets, time
// without a live socket, and the Prometheus text of createMetricsHandler.
import { MeterProvider, MetricReader, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  CoreClient,
  InvalidOptionsError,
  MemoryDedupeStore,
  createMetricsHandler,
  dedupe,
  metrics,
  metricsToOpenTelemetry,
  pool,
  type DedupeStore,
  type Metrics,
  type SocketModeOptions,
} from '../src/index.ts';
import { openConnectionUrl } from '../src/core/web-api.ts';
import { Arrivals, GIVE_UP_MS, MAX_WAITING } from '../src/features/metrics-arrivals.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** A full client with `m` added to its features; every envelope acked unless `ack` is false. */
async function started(m: Metrics, opts: Partial<SocketModeOptions> = {}, simOpts = {}) {
  h = await harness(simOpts);
  return h.client({ ...opts, features: [m] });
}

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

describe('metrics', () => {
  test('envelopes by type after a known mix; the ack latency histogram counts every ack', async () => {
    const m = metrics();
    const client = await started(m);
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    const kinds = ['app_mention', 'message', 'message', 'slash_command', 'slash_command', 'block_actions'] as const;
    const ids = kinds.map((k) => h!.sim.inject(k).envelope_id);
    for (const id of ids) await h!.sim.waitForAck(id, 5000);
    await until(() => m.metrics().acks === 6, 'six acks counted');
    const s = m.metrics();
    expect(s.envelopes).toEqual({ events_api: 3, slash_commands: 2, interactive: 1, unknown_envelope: 0 });
    expect(s.acks).toBe(6);
    expect(s.ackLatencyMs.count).toBe(6);
    // Cumulative, never above the count.
    const c = s.ackLatencyMs.counts;
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]!);
    expect(c[c.length - 1]).toBeLessThanOrEqual(6);
    expect(s.ackLatencyMs.bounds).toContain(3000);
    expect(s).toMatchObject({ missedDeadlines: 0, deduped: 0, liveConnections: 1, connectionsWanted: 1 });
    expect(s.downSince).toBeNull();
    // Errors are counted without an 'error' listener of the metrics' own: one without any is still logged as one.
    h!.sim.sendRaw('{"not json');
    await until(() => m.metrics().errors['malformed_frame'] === 1, 'error counted');
    expect(h!.lines.filter((l) => l.startsWith('error') && l.includes('malformed_frame'))).toHaveLength(1);
  });

  test('a handler that never acks: one missed deadline; its late ack counted once, in the bucket past 3 s', async () => {
    const m = metrics();
    const client = await started(m, { ackDeadlineWarnMs: 0 });
    let late: (() => Promise<void>) | undefined;
    client.on('slash_commands', ({ ack }) => void (late = ack));
    client.on('events_api', ({ ack }) => ack());
    await client.start();
    h!.sim.inject('slash_command');
    const prompt = h!.sim.inject('app_mention');
    await h!.sim.waitForAck(prompt.envelope_id, 5000);
    await until(() => m.metrics().missedDeadlines === 1, 'missed deadline counted');
    expect(m.metrics()).toMatchObject({ acks: 1, missedDeadlines: 1 });
    await late!();
    const s = m.metrics();
    expect(s).toMatchObject({ acks: 2, missedDeadlines: 1 });
    expect(s.ackLatencyMs.count).toBe(2);
    // One ack within 3 s (the prompt one), one past it (the late one).
    expect(s.ackLatencyMs.counts[s.ackLatencyMs.bounds.indexOf(3000)]).toBe(1);
  });

  test("the simulator's own redelivery of an event never acked: a missed deadline, then a deduped retry", async () => {
    const m = metrics();
    // Slack's rule, as the simulator plays it: a missed ack is retried (here once, at once).
    const client = await started(m, { ackDeadlineWarnMs: 0 }, { ackTimeoutMs: 300, redeliveryDelaysMs: [0] });
    let delivered = 0;
    client.on('app_mention', () => void delivered++); // never acks
    await client.start();
    const env = h!.sim.inject('app_mention');
    // The retry (retry_attempt 1, a new envelope_id) is acked by dedupe, not delivered.
    await until(() => h!.sim.acks.some((a) => a.envelope_id !== env.envelope_id), 'the retry acked');
    await until(() => m.metrics().missedDeadlines === 1, 'missed deadline');
    expect(m.metrics()).toMatchObject({ envelopes: { events_api: 2 }, deduped: 1, acks: 0, missedDeadlines: 1 });
    expect(delivered).toBe(1);
  });

  for (const store of ['memory', 'async'] as const) {
    test(`duplicates (${store} store): acked by dedupe, counted as deduped, never as acks nor missed deadlines`, async () => {
      const mem = new MemoryDedupeStore();
      const asyncStore: DedupeStore = { seen: async (k) => mem.seen(k), forget: async (k) => mem.forget?.(k) };
      const m = metrics();
      const client = await started(m, store === 'async' ? { dedupe: asyncStore } : {});
      let never = 0;
      client.on('slash_commands', () => void never++);
      client.on('events_api', ({ ack }) => ack());
      await client.start();
      const { sim } = h!;
      const env = sim.inject('app_mention');
      await sim.waitForAck(env.envelope_id, 5000);
      // The same envelope again, and a redelivery of its event (new envelope_id, same event_id).
      sim.sendEnvelope({ ...env });
      sim.sendEnvelope({ ...env, envelope_id: 'redelivery-1', retry_attempt: 1, retry_reason: 'timeout' });
      await until(() => acksFor('redelivery-1').length === 1 && acksFor(env.envelope_id).length === 2, 'acked');
      expect(m.metrics()).toMatchObject({ envelopes: { events_api: 3 }, acks: 1, deduped: 2 });
      // An envelope never acked after them: its missed deadline is the only one (the duplicates' came first).
      sim.inject('slash_command');
      await until(() => never === 1, 'delivered');
      await until(() => m.metrics().missedDeadlines > 0, 'missed deadline');
      expect(m.metrics()).toMatchObject({ missedDeadlines: 1, acks: 1, deduped: 2 });
      expect(m.metrics().ackLatencyMs.count).toBe(1);
    });
  }

  test('reconnects by reason after a refresh and a drop', async () => {
    const m = metrics();
    const client = await started(m);
    await client.start();
    const { sim } = h!;
    sim.refresh({ warning: false });
    await until(() => (m.metrics().reconnects['refresh_requested'] ?? 0) === 1, 'refresh counted');
    await until(() => client.connectionCount === 1 && sim.connections().filter((c) => c.state === 'live').length === 1);
    sim.drop();
    await until(() => Object.keys(m.metrics().reconnects).some((r) => r.startsWith('closed')), 'drop counted');
    await until(() => m.metrics().liveConnections === 1, 'back');
    const r = m.metrics().reconnects;
    expect(r['refresh_requested']).toBe(1);
    expect(Object.entries(r).filter(([k]) => k.startsWith('closed'))).toHaveLength(1);
    expect(Object.values(r).reduce((a, b) => a + b, 0)).toBe(2);
    expect(m.metrics().deadSockets).toEqual({ pong_timeout: 0, silent: 0 });
  });

  test('a half-open socket: one dead socket by pong timeout, and its reconnect', async () => {
    const m = metrics();
    const client = await started(m, { pingIntervalMs: 50, pongTimeoutMs: 100 }, { pingIntervalMs: 0 });
    await client.start();
    h!.sim.halfOpen();
    await until(() => m.metrics().deadSockets.pong_timeout === 1, 'dead socket counted');
    expect(m.metrics().reconnects['pong_timeout']).toBe(1);
    expect(m.metrics().deadSockets.silent).toBe(0);
  });

  test('a no-ping pool of 2 with a member dead silently: one dead socket by silence, and its reconnect', async () => {
    const m = metrics();
    const client = await started(m, { connections: 2, pingIntervalMs: 0 }, { pingIntervalMs: 0 });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    const { sim } = h!;
    await until(() => m.metrics().liveConnections === 2, 'pool of 2');
    const victim = sim.connections().find((c) => c.state === 'live')!.id;
    sim.silentDeath({ connectionId: victim, routeForMs: 60_000 });
    // Bounded: at most 1,500 envelopes, 10 every ~200 ms, until the silent member is found and closed.
    for (let i = 0; i < 150 && m.metrics().deadSockets.silent === 0; i++) {
      for (let j = 0; j < 10; j++) sim.inject('message');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(m.metrics().deadSockets).toEqual({ pong_timeout: 0, silent: 1 });
    expect(m.metrics().reconnects['silent']).toBe(1);
  }, 60_000);

  test('time without a live socket grows while the link is down, and stops once a socket is live again', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let opens = 0;
    const m = metrics();
    h = await harness();
    const { sim } = h;
    const client = h.client({
      features: [m],
      openConnection: async () => {
        if (opens++ > 0) await held;
        return openConnectionUrl({ appToken: sim.appToken, apiUrl: sim.apiUrl });
      },
    });
    client.on('error', () => {});
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    expect(m.metrics().downSince).toBeNull();
    const beforeDrop = m.metrics().downMs;
    sim.drop();
    await until(() => m.metrics().downSince !== null, 'down');
    const first = m.metrics();
    expect(first.liveConnections).toBe(0);
    // Bounded by `until`: the down time grows while nothing is live.
    await until(() => m.metrics().downMs > first.downMs, 'down time grows');
    expect(first.downMs).toBeGreaterThanOrEqual(beforeDrop);
    release();
    await until(() => m.metrics().liveConnections === 1, 'live again');
    const back = m.metrics();
    expect(back.downSince).toBeNull();
    expect(back.downMs).toBeGreaterThan(first.downMs);
    // Traffic flows again, and the clock moves on; the down time does not.
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    const t = Date.now();
    await until(() => Date.now() > t + 2, 'clock moved');
    expect(m.metrics().downMs).toBe(back.downMs);
  });

  test('the Prometheus handler: text exposition 0.0.4 that parses; HEAD, 405, no token', async () => {
    const m = metrics();
    const client = await started(m, { connections: 2 });
    client.on('error', () => {});
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    for (const k of ['app_mention', 'slash_command', 'block_actions'] as const) {
      await h!.sim.waitForAck(h!.sim.inject(k).envelope_id, 5000);
    }
    await until(() => m.metrics().liveConnections === 2, 'pool of 2');
    // To every live connection: one malformed frame each.
    h!.sim.sendRaw(`{"not json ${h!.sim.appToken}`);
    await until(() => m.metrics().acks === 3 && m.metrics().errors['malformed_frame'] === 2, 'counted');
    const handle = createMetricsHandler(m);
    const res = handle(new Request('http://localhost/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).not.toContain('xapp-');
    const families = parseExposition(text);
    const p = 'slack_socket_mode_';
    expect(families.get(`${p}envelopes_total`)!.type).toBe('counter');
    expect(sample(families, `${p}envelopes_total`, 'type="slash_commands"')).toBe(1);
    expect(sample(families, `${p}acks_total`)).toBe(3);
    expect(sample(families, `${p}errors_total`, 'code="malformed_frame"')).toBe(2);
    expect(sample(families, `${p}envelopes_total`, 'type="unknown_envelope"')).toBe(0);
    expect(sample(families, `${p}connections_wanted`)).toBe(2);
    expect(families.get(`${p}connections_wanted`)!.type).toBe('gauge');
    expect(families.get(`${p}live_connections`)!.type).toBe('gauge');
    const hist = families.get(`${p}ack_latency_seconds`)!;
    expect(hist.type).toBe('histogram');
    const buckets = hist.samples.filter((s) => s.name.endsWith('_bucket'));
    const counts = buckets.map((b) => b.value);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(buckets.at(-1)!.labels).toBe('le="+Inf"');
    const count = hist.samples.find((s) => s.name === `${p}ack_latency_seconds_count`)!.value;
    expect(counts.at(-1)).toBe(count);
    expect(count).toBe(3);
    expect(hist.samples.some((s) => s.name === `${p}ack_latency_seconds_sum`)).toBe(true);

    const head = handle(new Request('http://localhost/metrics', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(handle(new Request('http://localhost/metrics', { method: 'POST' })).status).toBe(405);
    expect(() => createMetricsHandler(m, { prefix: 'not a prefix' })).toThrow(InvalidOptionsError);
  });

  test('OpenTelemetry: a real MeterProvider reads what the snapshot says, after traffic', async () => {
    // A reader that only collects on demand (sdk-metrics' own MetricReader, no exporter).
    class ManualReader extends MetricReader {
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const reader = new ManualReader();
    const provider = new MeterProvider({ readers: [reader] });
    const m = metrics();
    // Before the client starts, so every ack latency is recorded.
    const stop = metricsToOpenTelemetry(m, provider.getMeter('socket-mode-test'));
    const client = await started(m, { connections: 2, ackDeadlineWarnMs: 0 });
    client.on('events_api', ({ ack }) => ack());
    client.on('interactive', ({ ack }) => ack());
    client.on('slash_commands', () => {}); // never acks: a missed deadline
    await client.start();
    const { sim } = h!;
    await until(() => m.metrics().liveConnections === 2, 'pool of 2');
    const env = sim.inject('app_mention');
    for (const k of ['message', 'block_actions', 'block_actions'] as const) {
      await sim.waitForAck(sim.inject(k).envelope_id, 5000);
    }
    await sim.waitForAck(env.envelope_id, 5000);
    sim.sendEnvelope({ ...env, envelope_id: 'redelivery-otel', retry_attempt: 1, retry_reason: 'timeout' });
    sim.inject('slash_command');
    await until(() => acksFor('redelivery-otel').length === 1, 'duplicate acked');
    await until(() => m.metrics().missedDeadlines === 1, 'missed deadline');
    sim.refresh({ warning: false });
    await until(() => m.metrics().reconnects['refresh_requested'] === 2 && m.metrics().liveConnections === 2, 'back');

    const snap = m.metrics();
    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const all = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const md of scope.metrics) all.set(md.descriptor.name, md);
    const p = 'slack.socket_mode.';
    const point = (name: string, attrs: Record<string, string> = {}): unknown =>
      all.get(p + name)?.dataPoints.find((d) => JSON.stringify(d.attributes) === JSON.stringify(attrs))?.value;
    for (const [type, n] of Object.entries(snap.envelopes)) expect(point('envelopes', { type })).toBe(n);
    expect(snap.envelopes).toMatchObject({ events_api: 3, interactive: 2, slash_commands: 1 });
    expect(point('acks')).toBe(snap.acks);
    expect(snap.acks).toBe(4);
    expect(point('missed_deadlines')).toBe(1);
    expect(point('deduped')).toBe(snap.deduped);
    expect(snap.deduped).toBe(1);
    expect(point('reconnects', { reason: 'refresh_requested' })).toBe(2);
    for (const [cause, n] of Object.entries(snap.deadSockets)) expect(point('dead_sockets', { cause })).toBe(n);
    expect(point('down_time')).toBe(snap.downMs / 1000);
    expect(point('live_connections')).toBe(2);
    expect(point('connections_wanted')).toBe(2);
    // The histogram: the snapshot's bounds in seconds, the same count, and the same counts per bucket.
    const hist = point('ack.latency') as Histogram;
    const mine = snap.ackLatencyMs;
    expect(hist.count).toBe(mine.count);
    expect(hist.buckets.boundaries).toEqual(mine.bounds.map((b) => b / 1000));
    let cumulative = 0;
    const otelCumulative = hist.buckets.counts.slice(0, -1).map((n) => (cumulative += n));
    expect(otelCumulative).toEqual(mine.counts);
    expect(hist.sum).toBeCloseTo(mine.sum / 1000, 6);

    // Stopped: neither the counters nor the histogram follow the snapshot any more.
    stop();
    await sim.waitForAck(sim.inject('message').envelope_id, 5000);
    await until(() => m.metrics().acks === 5, 'one more ack');
    const frozen = await reader.collect();
    const md = new Map(
      frozen.resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics.map((x) => [x.descriptor.name, x])),
    );
    const events = md.get(`${p}envelopes`)?.dataPoints.find((d) => d.attributes['type'] === 'events_api')?.value;
    expect(events).toBe(3);
    expect((md.get(`${p}ack.latency`)!.dataPoints[0]!.value as Histogram).count).toBe(4);
    await provider.shutdown();
    expect(() => metricsToOpenTelemetry(m, {} as never)).toThrow(InvalidOptionsError);
  });

  test('on a CoreClient with dedupe: the same counts; the value answers metrics()', async () => {
    const m = metrics();
    h = await harness();
    const { sim } = h;
    const client = new CoreClient({
      appToken: sim.appToken,
      apiUrl: sim.apiUrl,
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger: h.logger,
      features: [pool(2), dedupe(), m],
    });
    client.on('slack_event', ({ ack }) => ack());
    try {
      await client.start();
      await until(() => m.metrics().liveConnections === 2, 'pool of 2');
      const env = sim.inject('message');
      await sim.waitForAck(env.envelope_id, 5000);
      sim.sendEnvelope({ ...env });
      await until(() => acksFor(env.envelope_id).length === 2, 'duplicate acked');
      expect(m.metrics()).toMatchObject({ envelopes: { events_api: 2 }, acks: 1, deduped: 1 });
    } finally {
      await client.disconnect({ timeoutMs: 0 });
    }
    expect(m.metrics()).toMatchObject({ liveConnections: 0, downSince: null });
  });

  test('misuse is told: read before a client, one value in two clients', async () => {
    const m = metrics();
    expect(() => m.metrics()).toThrow(InvalidOptionsError);
    h = await harness();
    h.client({ features: [m] });
    expect(() => h!.client({ features: [m] })).toThrow(InvalidOptionsError);
    // Not started: nothing wanted, nothing live.
    expect(m.metrics()).toMatchObject({ connectionsWanted: 0, liveConnections: 0, acks: 0 });
  });
});

interface Sample {
  name: string;
  labels: string;
  value: number;
}
interface Family {
  type: string;
  help: boolean;
  samples: Sample[];
}

/**
 * Parses text exposition strictly: every line a HELP, a TYPE or a sample `name{labels} value`; HELP and TYPE come
 * once per family, before its samples; a sample belongs to the family declared (histograms: _bucket, _sum, _count).
 */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, Family>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const labels = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
  const sampleRe = new RegExp(`^(${name})(?:\\{(${labels}(?:,${labels})*)\\})? (\\S+)$`);
  let current: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, fam, rest] = meta;
      const f = families.get(fam!) ?? { type: '', help: false, samples: [] };
      expect(f.samples, `${kind} of ${fam} before its samples`).toEqual([]);
      if (kind === 'HELP') f.help = true;
      else {
        expect(['counter', 'gauge', 'histogram']).toContain(rest);
        f.type = rest!;
      }
      families.set(fam!, f);
      current = fam;
      continue;
    }
    const m = sampleRe.exec(line);
    expect(m, `sample line: ${line}`).not.toBeNull();
    const [, sname, slabels, value] = m!;
    const f = families.get(current!)!;
    expect(f.help && f.type, `HELP and TYPE before ${sname}`).toBeTruthy();
    const allowed = f.type === 'histogram' ? [`${current}_bucket`, `${current}_sum`, `${current}_count`] : [current];
    expect(allowed).toContain(sname);
    if (f.type === 'counter') expect(sname!.endsWith('_total')).toBe(true);
    const v = value === '+Inf' ? Infinity : Number(value);
    expect(Number.isNaN(v)).toBe(false);
    f.samples.push({ name: sname!, labels: slabels ?? '', value: v });
  }
  return families;
}

function sample(families: Map<string, Family>, name: string, labels = ''): number | undefined {
  return families.get(name)?.samples.find((s) => s.name === name && s.labels === labels)?.value;
}

describe('metrics arrivals ring', () => {
  test('acks out of order, holes compacted, growth keeps arrival order, the oldest given up past MAX_WAITING', () => {
    const r = new Arrivals();
    const frames = Array.from({ length: MAX_WAITING + 1 }, (_, i) => ({ envelope_id: `e${i}` }));
    // 64 in, every other one acked, 64 more: the holes are compacted (no growth needed), order kept.
    for (let i = 0; i < 64; i++) expect(r.add(frames[i]!, 1000 + i)).toBe(0);
    for (let i = 1; i < 64; i += 2) expect(r.take(frames[i]!)).toBe(1000 + i);
    for (let i = 64; i < 96; i++) r.add(frames[i]!, 1000 + i);
    expect(r.take(frames[64]!)).toBe(1064);
    expect(r.take(frames[0]!)).toBe(1000);
    expect(r.take(frames[0]!)).toBeNaN();
    // A duplicate's id: the newest holder of that id is taken.
    const dup = { envelope_id: 'e2' };
    r.add(dup, 5000);
    r.takeId('e2');
    expect(r.take(dup)).toBeNaN();
    expect(r.take(frames[2]!)).toBe(1002);
    // Past the deadline: marked once (negative), given up GIVE_UP_MS after arrival.
    expect(r.sweep(1006 + 3000, 3000)).toBe(2); // e4, e6 (e0, e2 gone)
    expect(r.wake).toBe(1008 + 3000); // e8's deadline comes before e4's give-up
    expect(r.sweep(1006 + 3000, 3000)).toBe(0);
    expect(r.take(frames[4]!)).toBe(-1004);
    // Long after: e6 given up (its ack would find nothing), the rest counted once each.
    expect(r.sweep(1006 + GIVE_UP_MS, 3000)).toBe(59); // e8..e62 even (28), e65..e95 (31)
    expect(r.take(frames[6]!)).toBeNaN();
    r.clear();
    // Filled to the cap (growing as it goes), then one more: the oldest is given up, as a missed deadline.
    for (let i = 0; i < MAX_WAITING; i++) expect(r.add(frames[i]!, i)).toBe(0);
    expect(r.add(frames[MAX_WAITING]!, MAX_WAITING)).toBe(1);
    expect(r.take(frames[0]!)).toBeNaN();
    expect(r.take(frames[1]!)).toBe(1);
    expect(r.take(frames[MAX_WAITING]!)).toBe(MAX_WAITING);
    expect(r.sweep(0, 3000)).toBe(0);
    expect(r.wake).toBe(2 + 3000);
  });
});
