// One function per measure. Each starts a fresh simulator (in the sim-host process) with the options the
// measure needs, forks the client under test into its own child process, runs `reps` repetitions and
// stops the child. Medians are taken in run.mjs.
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './rpc.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const clientFile = (name) => join(benchDir, 'clients', `${name}.mjs`);

// Server pings every 5 s: @slack/socket-mode drops a connection that sees no server ping for 30 s.
const BASE_SIM = { pingIntervalMs: 5000, maxConnections: 500 };
// Generous deadline, no redelivery: 20k pipelined envelopes must not be redelivered while queued.
const PIPELINE_SIM = { ...BASE_SIM, ackTimeoutMs: 600_000, redeliveryDelaysMs: [] };

const tmp = mkdtempSync(join(tmpdir(), 'sma-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let holdSeq = 0;

async function withClient(name, fn, processes, measure) {
  const c = spawnChild(clientFile(name), { execArgv: ['--expose-gc', ...(process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])] });
  await c.ready;
  processes.push({ client: name, measure, pid: c.child.pid, file: `bench/clients/${name}.mjs` });
  try {
    return await fn(c);
  } finally {
    await c.call('stop', {}, undefined, 10_000).catch(() => {});
    await c.kill();
  }
}

/** Throughput (pipelined, hold-then-drain) and ack latency (paced, 0 ms and 50 ms handlers), each in its own client process. */
export async function throughputAndLatency(sim, name, cfg, processes) {
  const { apiUrl, appToken } = await sim.call('start', { options: PIPELINE_SIM });
  const throughput = await withClient(name, async (c) => {
    await c.call('connect', { apiUrl, appToken });
    await sim.call('waitLive', { n: 1 });
    const one = async (n) => {
      const file = join(tmp, `release-${++holdSeq}`);
      let burst;
      let burstError;
      let burstDone;
      const injected = new Promise((r) => (burstDone = r));
      const client = c.call('throughput', { n, file }, async (p) => {
        if (p !== 'holding') return;
        try {
          burst = await sim.call('burst', { n });
        } catch (err) {
          burstError = err;
        } finally {
          writeFileSync(file, ''); // release the client in any case
          burstDone();
        }
      });
      await injected;
      if (burstError) throw burstError;
      const [cr, sr] = await Promise.all([client, sim.call('burstAcks', { n, t0: burst.t0 })]);
      return { ...cr, injectMs: burst.injectMs, e2eWallMs: sr.wallMs, e2ePerSec: (n / sr.wallMs) * 1000, duplicates: sr.duplicates, missed: sr.missed };
    };
    await one(cfg.warmup); // JIT warm-up, not reported
    const runs = [];
    for (let i = 0; i < cfg.reps; i++) runs.push(await one(cfg.envelopes));
    return runs;
  }, processes, 'throughput');

  // Latency in a fresh client process, after a warm-up: every client's paced samples start from the same state,
  // not from whatever the pipelined bursts above left behind.
  if (!cfg.latencyReps) return { throughput, latency: { noop: [], slow: [] } };
  const b = await sim.call('start', { options: PIPELINE_SIM });
  const latency = await withClient(name, async (c) => {
    await c.call('connect', { apiUrl: b.apiUrl, appToken: b.appToken });
    await sim.call('waitLive', { n: 1 });
    const out = { noop: [], slow: [] };
    // Warm-up, not reported: every kind once through each path.
    await sim.call('paced', { n: 40, intervalMs: cfg.latencyIntervalMs });
    for (const mode of ['noop', 'slow']) {
      await c.call('setMode', { mode });
      for (let i = 0; i < cfg.latencyReps; i++) out[mode].push(await sim.call('paced', { n: cfg.latencyN, intervalMs: cfg.latencyIntervalMs }));
    }
    return out;
  }, processes, 'latency');
  return { throughput, latency };
}

/** Refresh under load: `refreshes` warning -> refresh_requested -> close sequences while events flow. */
export async function refresh(sim, name, cfg, processes) {
  const runs = [];
  for (let i = 0; i < cfg.reps; i++) {
    const { apiUrl, appToken } = await sim.call('start', {
      options: { ...BASE_SIM, ackTimeoutMs: 3000, refreshWarningLeadMs: cfg.warningLeadMs, refreshCloseDelayMs: cfg.closeDelayMs },
    });
    runs.push(
      await withClient(name, async (c) => {
        await c.call('connect', { apiUrl, appToken });
        return sim.call('refreshRun', { refreshes: cfg.refreshes, ratePerSec: cfg.ratePerSec, settleMs: cfg.settleMs, tailMs: cfg.tailMs }, undefined, 120_000);
      }, processes, `refresh#${i + 1}`),
    );
  }
  return runs;
}

/** Heap per idle client (N connected clients in one process) and heap growth over many envelopes. */
export async function memory(sim, name, cfg, processes) {
  // Idle: N clients, each with its own live connection, in a fresh child per repetition (sockets of an
  // earlier repetition still closing would skew the baseline); marginal heapUsed per client after gc.
  const a = await sim.call('start', { options: PIPELINE_SIM });
  const idle = [];
  for (let i = 0; i < cfg.reps; i++) {
    idle.push(await withClient(name, (c) => c.call('idleHeap', { apiUrl: a.apiUrl, appToken: a.appToken, n: cfg.idleClients }, undefined, 120_000), processes, `memory:idle#${i + 1}`));
  }

  // Growth: one client in a fresh child and simulator; warm-up batches, then `growthEnvelopes` per rep.
  const b = await sim.call('start', { options: PIPELINE_SIM });
  const growth = await withClient(name, async (c) => {
    await c.call('connect', { apiUrl: b.apiUrl, appToken: b.appToken });
    await sim.call('waitLive', { n: 1 });
    // Warm-up long enough for bounded caches (e.g. a dedupe store of 10k keys) to reach steady state.
    await sim.call('batches', { total: 2 * cfg.growthBatch, batch: cfg.growthBatch }, undefined, 120_000);
    const out = [];
    for (let i = 0; i < cfg.reps; i++) {
      const before = (await c.call('heap')).heapUsed;
      const r = await sim.call('batches', { total: cfg.growthEnvelopes, batch: cfg.growthBatch }, undefined, 120_000);
      const after = (await c.call('heap')).heapUsed;
      out.push({ envelopes: cfg.growthEnvelopes, before, after, growthBytes: after - before, wallMs: r.wallMs });
    }
    return out;
  }, processes, 'memory:growth');
  return { idle, growth };
}
