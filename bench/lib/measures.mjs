// One function per measure. Each starts the simulators it needs (in the sim-host process) with the options the
// measure needs and forks the clients under test into their own child processes. Medians are taken in
// bench/lib/summary.mjs.
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './rpc.mjs';
import { sleep } from './stats.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const clientFile = (name) => join(benchDir, 'clients', `${name}.mjs`);

/**
 * Other runtimes (the runtimes section), each from npm (node_modules/.bin). A client named `<runtime>:<client>`
 * (e.g. `bun:ours`) runs bench/clients/<client>-web.mjs on that runtime: ours-web (the package entry the exports map
 * gives that runtime) or raw-web (JSON.parse + send ack on the runtime's own WebSocket). BENCH_CLIENT_BUN_ARGS /
 * BENCH_CLIENT_DENO_ARGS add flags (e.g. a profiler's).
 */
export const RUNTIMES = {
  bun: { execArgv: [] },
  deno: { execArgv: ['run', '--allow-net', '--allow-read', '--allow-env', '--allow-sys'] },
};
const runtimeBin = (rt) => join(benchDir, '..', 'node_modules', '.bin', rt);

/** How to start client `name`: { file, execPath?, execArgv, env }. */
export function clientSpawn(name) {
  const [rt, client] = name.includes(':') ? name.split(':') : [undefined, name];
  if (!rt) {
    return {
      file: clientFile(name),
      execArgv: ['--expose-gc', ...(process.env.BENCH_CLIENT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      env: {},
    };
  }
  if (!RUNTIMES[rt]) throw new Error(`unknown runtime ${rt} (known: ${Object.keys(RUNTIMES).join(', ')})`);
  const extra = process.env[`BENCH_CLIENT_${rt.toUpperCase()}_ARGS`]?.split(' ').filter(Boolean) ?? [];
  return {
    file: clientFile(`${client}-web`),
    execPath: runtimeBin(rt),
    execArgv: [...RUNTIMES[rt].execArgv, ...extra],
    env: { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  };
}

/** The version `<runtime> --version` prints (e.g. 2.9.5), or null when the binary does not start. */
export function runtimeVersion(rt) {
  try {
    const out = execFileSync(runtimeBin(rt), ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return out.match(/\d+\.\d+\.\d+\S*/)?.[0] ?? out.split('\n')[0].trim();
  } catch {
    return null;
  }
}

// Server pings every 5 s: @slack/socket-mode drops a connection that sees no server ping for 30 s.
const BASE_SIM = { pingIntervalMs: 5000, maxConnections: 500 };
// Generous deadline, no redelivery: 20k pipelined envelopes must not be redelivered while queued.
const PIPELINE_SIM = { ...BASE_SIM, ackTimeoutMs: 600_000, redeliveryDelaysMs: [] };

const tmp = mkdtempSync(join(tmpdir(), 'sma-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let holdSeq = 0;

async function spawnClient(name, processes, measure) {
  const { file, ...how } = clientSpawn(name);
  const c = spawnChild(file, how);
  processes.push({
    client: name,
    measure,
    pid: c.child.pid,
    file: `bench/clients/${basename(file)}`,
    ...(how.execPath ? { runtime: name.split(':')[0] } : {}),
  });
  await c.ready;
  return c;
}

async function stopClient(c) {
  await c.call('stop', {}, undefined, 10_000).catch(() => {});
  await c.kill();
}

async function withClient(name, fn, processes, measure) {
  const c = await spawnClient(name, processes, measure);
  try {
    return await fn(c);
  } finally {
    await stopClient(c);
  }
}

/**
 * One pipelined burst, hold-then-drain: the client (child `c`) blocks its event loop, simulator `simName`
 * injects `n` envelopes meanwhile (they wait in socket buffers), then the client is released and drains.
 */
async function burst(sim, simName, c, n) {
  const file = join(tmp, `release-${++holdSeq}`);
  let b;
  let burstError;
  let burstDone;
  const injected = new Promise((r) => (burstDone = r));
  const client = c.call('throughput', { n, file }, async (p) => {
    if (p !== 'holding') return;
    try {
      b = await sim.call('burst', { name: simName, n });
    } catch (err) {
      burstError = err;
    } finally {
      writeFileSync(file, ''); // release the client in any case
      burstDone();
    }
  });
  await injected;
  if (burstError) {
    client.catch(() => {});
    throw burstError;
  }
  const [cr, sr] = await Promise.all([client, sim.call('burstAcks', { name: simName, n, t0: b.t0 })]);
  return {
    ...cr,
    injectMs: b.injectMs,
    e2eWallMs: sr.wallMs,
    e2ePerSec: (n / sr.wallMs) * 1000,
    acked: sr.acked,
    duplicates: sr.duplicates,
    missed: sr.missed,
  };
}

/**
 * The order of round `r` (0-based): the sequence 0, 1, n-1, 2, n-2, ... shifted by r (mod n), a Williams design.
 * Every n rounds each client takes every position once and (for even n) follows every other client once, so
 * neither going first nor whatever the client just before left behind (its garbage, the simulator's) favors anyone;
 * a plain rotation would give each client the same predecessor in every round.
 */
export function roundOrder(names, r) {
  const n = names.length;
  const base = [0];
  for (let lo = 1, hi = n - 1; base.length < n;) {
    base.push(lo++);
    if (base.length < n) base.push(hi--);
  }
  return base.map((k) => names[(k + r) % n]);
}

/**
 * Throughput, interleaved: every client in `names` runs in its own child, all alive for the whole measure,
 * each connected to its own simulator (`tp:<name>` in the sim-host process). After one warm-up burst per
 * client (JIT, not reported), `cfg.rounds` rounds: in each, every client does one burst of `cfg.envelopes`,
 * one client at a time (an idle client uses no CPU), in an order that changes each round (roundOrder). Clients of one
 * round are measured seconds apart, so a per-round ratio compares them under the same machine conditions;
 * measuring each client in its own block let the machine's drift between blocks into every ratio.
 * A client that fails is reported through fail(name, what, err) and leaves the remaining rounds; the others go on.
 * Returns { warmup: { [name]: run }, rounds: [{ round, order, results: { [name]: run } }] }.
 */
export async function throughputRounds(sim, names, cfg, processes, { log = () => {}, fail = () => {} } = {}) {
  const live = new Map(); // name -> client child, while it takes part
  const drop = async (name, what, err) => {
    fail(name, what, err);
    const c = live.get(name);
    live.delete(name);
    if (c) await stopClient(c);
    await sim.call('stop', { name: `tp:${name}` }).catch(() => {});
  };
  const warmup = {};
  const rounds = [];
  try {
    // Start everything at once (each client has its own simulator, so connecting in parallel is harmless).
    await Promise.all(
      names.map(async (name) => {
        try {
          const { apiUrl, appToken } = await sim.call('start', { name: `tp:${name}`, options: PIPELINE_SIM });
          const c = await spawnClient(name, processes, 'throughput (interleaved rounds, whole measure)');
          live.set(name, c);
          await c.call('connect', { apiUrl, appToken });
          await sim.call('waitLive', { name: `tp:${name}`, n: 1 });
        } catch (err) {
          await drop(name, 'throughput: start', err);
        }
      }),
    );
    for (const name of names) {
      if (!live.has(name)) continue;
      try {
        warmup[name] = await burst(sim, `tp:${name}`, live.get(name), cfg.warmup);
      } catch (err) {
        await drop(name, 'throughput: warm-up', err);
      }
    }
    for (let r = 0; r < cfg.rounds; r++) {
      const order = roundOrder(names, r).filter((name) => live.has(name));
      if (!order.length) break;
      const results = {};
      for (const [position, name] of order.entries()) {
        // Let the previous client's leftover work (its garbage, its last writes) finish before this clock starts.
        await sleep(cfg.pauseMs);
        try {
          results[name] = { position, ...(await burst(sim, `tp:${name}`, live.get(name), cfg.envelopes)) };
        } catch (err) {
          await drop(name, `throughput: round ${r + 1}`, err);
        }
      }
      rounds.push({ round: r + 1, order, results });
      log(
        `throughput round ${r + 1}/${cfg.rounds}: ${order.map((n) => `${n} ${results[n] ? Math.round(results[n].perSec) : 'FAILED'}`).join(', ')} env/s`,
      );
    }
    return { warmup, rounds };
  } finally {
    await Promise.all([...live.values()].map(stopClient));
    await Promise.all(names.map((name) => sim.call('stop', { name: `tp:${name}` }).catch(() => {})));
  }
}

/**
 * Ack latency (paced, 0 ms and 50 ms handlers) in a fresh client process and simulator, after a warm-up:
 * every client's paced samples start from the same state, not from whatever pipelined bursts left behind.
 */
export async function latency(sim, name, cfg, processes) {
  const b = await sim.call('start', { options: PIPELINE_SIM });
  return withClient(
    name,
    async (c) => {
      await c.call('connect', { apiUrl: b.apiUrl, appToken: b.appToken });
      await sim.call('waitLive', { n: 1 });
      const out = { noop: [], slow: [] };
      // Warm-up, not reported: every kind once through each path.
      await sim.call('paced', { n: 40, intervalMs: cfg.latencyIntervalMs });
      for (const mode of ['noop', 'slow']) {
        await c.call('setMode', { mode });
        for (let i = 0; i < cfg.latencyReps; i++)
          out[mode].push(await sim.call('paced', { n: cfg.latencyN, intervalMs: cfg.latencyIntervalMs }));
      }
      const { errors, errorSamples } = await c.call('handledCount');
      return { ...out, clientErrors: errors, clientErrorSamples: errorSamples };
    },
    processes,
    'latency',
  );
}

/** Refresh under load: `refreshes` warning -> refresh_requested -> close sequences while events flow. */
export async function refresh(sim, name, cfg, processes) {
  const runs = [];
  for (let i = 0; i < cfg.reps; i++) {
    const { apiUrl, appToken } = await sim.call('start', {
      options: {
        ...BASE_SIM,
        ackTimeoutMs: 3000,
        refreshWarningLeadMs: cfg.warningLeadMs,
        refreshCloseDelayMs: cfg.closeDelayMs,
      },
    });
    runs.push(
      await withClient(
        name,
        async (c) => {
          await c.call('connect', { apiUrl, appToken });
          const r = await sim.call(
            'refreshRun',
            { refreshes: cfg.refreshes, ratePerSec: cfg.ratePerSec, settleMs: cfg.settleMs, tailMs: cfg.tailMs },
            undefined,
            120_000,
          );
          const { errors, errorSamples } = await c.call('handledCount');
          return { ...r, clientErrors: errors, clientErrorSamples: errorSamples };
        },
        processes,
        `refresh#${i + 1}`,
      ),
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
    idle.push(
      await withClient(
        name,
        (c) => c.call('idleHeap', { apiUrl: a.apiUrl, appToken: a.appToken, n: cfg.idleClients }, undefined, 120_000),
        processes,
        `memory:idle#${i + 1}`,
      ),
    );
  }

  // Growth: one client in a fresh child and simulator; warm-up batches, then `growthEnvelopes` per rep.
  const b = await sim.call('start', { options: PIPELINE_SIM });
  const growth = await withClient(
    name,
    async (c) => {
      await c.call('connect', { apiUrl: b.apiUrl, appToken: b.appToken });
      await sim.call('waitLive', { n: 1 });
      // Warm-up long enough for bounded caches to reach their bound (ours: a dedupe store of 50,000 keys by default, in
      // two generations that each grow to their full size; that is ~1 MB a generation, reached after ~66,000 keys: a
      // 20,000-envelope warm-up left one generation's growth inside the first measured window, where the median of the
      // windows hid it). What the warm-up leaves held is reported on its own (retainedBytes).
      const connected = (await c.call('heap')).heapUsed;
      await sim.call('batches', { total: cfg.warmupEnvelopes, batch: cfg.growthBatch }, undefined, 120_000);
      const warmed = (await c.call('heap')).heapUsed;
      const out = {
        warmupEnvelopes: cfg.warmupEnvelopes,
        connected,
        warmed,
        retainedBytes: warmed - connected,
        reps: [],
      };
      for (let i = 0; i < cfg.reps; i++) {
        const before = (await c.call('heap')).heapUsed;
        const r = await sim.call('batches', { total: cfg.growthEnvelopes, batch: cfg.growthBatch }, undefined, 120_000);
        const after = (await c.call('heap')).heapUsed;
        out.reps.push({ envelopes: cfg.growthEnvelopes, before, after, growthBytes: after - before, wallMs: r.wallMs });
      }
      return out;
    },
    processes,
    'memory:growth',
  );
  return { idle, growth };
}

/**
 * Faults nobody announces (sim-host faultRun): for each fault kind in `kinds`, a fresh simulator and client process,
 * envelopes flowing, one connection faulted; deaf time and what failed meanwhile. Returns { [kind]: run }.
 */
export async function faults(sim, name, kinds, cfg, processes) {
  const out = {};
  for (const fault of kinds) {
    const { apiUrl, appToken } = await sim.call('start', { options: { ...BASE_SIM, ackTimeoutMs: 3000 } });
    out[fault] = await withClient(
      name,
      async (c) => {
        await c.call('connect', { apiUrl, appToken });
        const r = await sim.call(
          'faultRun',
          {
            fault,
            live: cfg.live?.[name] ?? 1,
            ratePerSec: cfg.ratePerSec,
            slashEvery: cfg.slashEvery,
            preMs: fault === 'drop' ? Math.max(cfg.preMs, cfg.dropAgeMs ?? 0) : cfg.preMs,
            postMs: cfg.postMs,
            maxWaitMs: cfg.maxWaitMs,
          },
          undefined,
          cfg.maxWaitMs + 30_000,
        );
        const { errors, errorSamples } = await c.call('handledCount');
        return { ...r, clientErrors: errors, clientErrorSamples: errorSamples };
      },
      processes,
      `faults:${fault}`,
    );
  }
  return out;
}
