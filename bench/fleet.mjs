// node bench/fleet.mjs (after `npm run build`): what sharing through Redis costs a replica, and how fast a fleet heals.
// Needs redis-server (PATH, or REDIS_SERVER=/path): started here on a free loopback port, persistence off, stopped
// after; without it the section is skipped (one line saying so, exit 0).
// 1. Throughput: one client (bench/clients/fleet-replica.mjs, its own process) with the in-memory dedupe store
//    (`memory`), `dedupe: redisDedupeStore(redis)` (`redis-dedupe`) and `fleet: redisFleet(redis)` (`fleet`), each on a
//    simulator of its own (in this process), all alive together, in interleaved rounds: each round, one pipelined
//    burst of --burst events per client, one client at a time, the order rotating. Every event has a new event_id, so
//    each costs the Redis clients one claim before the handler and one ack mark after. Timed in the client's process:
//    first handler call → n-th ack (wall), and that process's CPU. Ratios and costs are per round against memory
//    (median, min–max): +CPU µs and +wall µs per envelope. Then ack latency (simulator clock): --latency events one at
//    a time, where the Redis round trip shows whole.
// 2. Rebalance: 3 replicas with `fleet` and connections: 5 (shares 3 + 3 + 3, one lease spare) on one simulator.
//    kill -9 of one: time until the two survivors hold the freed leases with their sockets live (9 live again);
//    a replacement joins; SIGTERM of one (disconnect(): drain, then its leases released): the same time. --reps each.
// Flags: --rounds=9 --burst=1000 --latency=300 --reps=3 --json (one line `FLEET {...}`, for bench/run.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { startSimulator } from '../dist/simulator/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const ROUNDS = arg('rounds', 9);
const BURST = arg('burst', 1000);
const LATENCY_N = arg('latency', 300);
const REPS = arg('reps', 3);
const JSON_OUT = process.argv.includes('--json');
const MODES = ['memory', 'redis-dedupe', 'fleet'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const log = (s) => process.stderr.write(`[fleet] ${s}\n`);

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// --- redis-server, as the tests start it.
const REDIS_BIN = process.env.REDIS_SERVER ?? 'redis-server';
function redisAvailable() {
  const r = spawnSync(REDIS_BIN, ['--version'], { encoding: 'utf8' });
  return r.error ? undefined : r.stdout.trim();
}
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const ping = (port) =>
  new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
async function startRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const proc = spawn(REDIS_BIN, args, { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await ping(port)); i++) await sleep(50);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGTERM')))),
  };
}

// --- Replicas: bench/clients/fleet-replica.mjs, one process each.
function replica(sim, redisUrl, mode, connections) {
  const child = spawn(process.execPath, [join(here, 'clients/fleet-replica.mjs')], {
    env: {
      ...process.env,
      MODE: mode,
      CONNECTIONS: String(connections),
      REDIS_URL: redisUrl,
      APP_TOKEN: sim.appToken,
      API_URL: sim.apiUrl,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const r = { child, mode, lines: [], conns: new Set(), exited: new Promise((res) => child.once('exit', res)) };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop();
    for (const p of parts) {
      if (!p.startsWith('{')) continue;
      const l = JSON.parse(p);
      r.lines.push(l);
      if (l.ev === 'live') r.conns.add(l.conn);
    }
  });
  r.status = async () => {
    const n = r.lines.length;
    child.stdin.write('status\n');
    await until(() => r.lines.slice(n).some((l) => l.ev === 'status'), 5000, 'status');
    return r.lines.slice(n).find((l) => l.ev === 'status');
  };
  return r;
}

// --- 1. Throughput and latency.
/** One pipelined burst of n new events; timed in the client's process (first handler call → n-th ack). */
async function burst(s, n) {
  const errorsBefore = (await s.r.status()).errors;
  const from = s.r.lines.length;
  s.r.child.stdin.write(`expect ${n}\n`);
  await until(() => s.r.lines.slice(from).some((l) => l.ev === 'expecting'), 5000, 'expecting');
  for (let i = 0; i < n; i++) s.sim.inject('app_mention', { text: `b${i}` });
  await until(() => s.r.lines.slice(from).some((l) => l.ev === 'burst'), 60_000, `${s.mode} burst`);
  s.sim.resetStats();
  const b = s.r.lines.slice(from).find((l) => l.ev === 'burst');
  // A Redis call slower than the store's timeoutMs (500 ms) degrades that replica to local dedupe for a while (no
  // round trip): such a burst would not measure Redis. Counted, and reported with the figures.
  const errors = (await s.r.status()).errors - errorsBefore;
  return { rate: (n / b.wallMs) * 1000, cpuUs: (b.cpuMs * 1000) / n, errors };
}

async function throughput(redisUrl) {
  const setups = [];
  for (const mode of MODES) {
    const sim = await startSimulator({ redeliveryDelaysMs: [] });
    const r = replica(sim, redisUrl, mode, 1);
    await until(() => r.lines.some((l) => l.ev === 'ready'), 20_000, `${mode} ready`);
    setups.push({ mode, sim, r });
  }
  try {
    for (const s of setups) await burst(s, Math.min(BURST, 2000)); // warm-up
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = setups.map((_, i) => setups[(i + round) % setups.length]);
      const rates = {};
      for (const s of order) {
        await sleep(100);
        rates[s.mode] = await burst(s, BURST);
      }
      rounds.push({ order: order.map((s) => s.mode), rates });
      log(
        `round ${round + 1}: ${MODES.map((m) => `${m} ${Math.round(rates[m].rate)}/s, ${rates[m].cpuUs.toFixed(1)} µs CPU each${rates[m].errors ? `, ${rates[m].errors} Redis errors` : ''}`).join('; ')}`,
      );
    }
    const latency = {};
    for (const s of setups) {
      const xs = [];
      for (let i = 0; i < 30 + LATENCY_N; i++) {
        const env = s.sim.inject('app_mention', { text: `l${i}` });
        const a = await s.sim.waitForAck(env.envelope_id, 10_000);
        if (i >= 30) xs.push(a.latencyMs);
      }
      s.sim.resetStats();
      latency[s.mode] = { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) };
    }
    const errors = {};
    for (const s of setups) errors[s.mode] = (await s.r.status()).errors;
    const summary = {};
    for (const mode of MODES) {
      const at = (x) => x.rates[mode];
      const ratios = rounds.map((x) => at(x).rate / x.rates.memory.rate);
      summary[mode] = {
        rate: median(rounds.map((x) => at(x).rate)),
        ratioVsMemory: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
        cpuUsPerEnvelope: median(rounds.map((x) => at(x).cpuUs)),
        // What a Redis round trip adds per envelope, within each round: client CPU, and wall time at full load.
        extraCpuUs: median(rounds.map((x) => at(x).cpuUs - x.rates.memory.cpuUs)),
        extraWallUs: median(rounds.map((x) => (1 / at(x).rate - 1 / x.rates.memory.rate) * 1e6)),
        latency: latency[mode],
        errors: errors[mode],
        burstsWithErrors: rounds.filter((x) => at(x).errors > 0).length,
      };
    }
    return { rounds, summary };
  } finally {
    for (const s of setups) {
      s.r.child.kill('SIGKILL');
      await s.r.exited;
      await s.sim.close();
    }
  }
}

// --- 2. Rebalance.
async function rebalance(redisUrl) {
  const admin = createClient({ url: redisUrl });
  admin.on('error', () => {});
  await admin.connect();
  const runs = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      await admin.flushAll();
      const sim = await startSimulator({ redeliveryDelaysMs: [] });
      let refusals = 0;
      const off = sim.on('connection', (c) => void (c.change === 'too_many_websockets' && refusals++));
      const live = (rs) =>
        sim.connections().filter((c) => c.state === 'live' && rs.some((r) => r.conns.has(c.id))).length;
      // Settled: 9 live, and each replica's own status says share 3 with 3 live (no swap or shrink under way).
      const settledAt9 = async (rs) => {
        if (live(rs) !== 9) return false;
        for (const r of rs) {
          const st = await r.status();
          if (st.share !== 3 || st.live !== 3) return false;
        }
        return live(rs) === 9;
      };
      const rs = [0, 1, 2].map(() => replica(sim, redisUrl, 'fleet', 5));
      try {
        await until(() => settledAt9(rs), 30_000, '3 replicas at 9 sockets');
        // kill -9: the leases are not released; they expire (leaseMs), then the survivors grow into them.
        const [dead, ...alive] = rs;
        let t0 = performance.now();
        dead.child.kill('SIGKILL');
        await until(() => live(alive) === 9, 30_000, 'survivors at 9 after kill -9');
        const killMs = performance.now() - t0;
        // A replacement joins; then SIGTERM of one: disconnect() drains and releases its leases at once.
        const joined = replica(sim, redisUrl, 'fleet', 5);
        const three = [...alive, joined];
        await until(() => settledAt9(three), 30_000, 'back to 3 replicas at 9');
        const [leaving, ...stay] = three;
        t0 = performance.now();
        leaving.child.kill('SIGTERM');
        let exitMs;
        void leaving.exited.then(() => (exitMs = performance.now() - t0));
        await until(() => live(stay) === 9, 30_000, 'survivors at 9 after SIGTERM');
        const termMs = performance.now() - t0;
        await leaving.exited;
        runs.push({ killMs, termMs, exitMs, refusals });
        log(
          `rebalance ${rep + 1}: kill -9 → survivors live in the freed leases ${Math.round(killMs)} ms; SIGTERM → ${Math.round(termMs)} ms (its process exited after ${Math.round(exitMs)} ms); refusals ${refusals}`,
        );
        rs.push(joined);
      } finally {
        off();
        for (const r of rs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
        await Promise.all(rs.map((r) => r.exited));
        await sim.close();
      }
    }
  } finally {
    await admin.quit().catch(() => {});
  }
  return {
    runs,
    killMs: median(runs.map((r) => r.killMs)),
    termMs: median(runs.map((r) => r.termMs)),
    refusals: runs.reduce((a, r) => a + r.refusals, 0),
  };
}

const version = redisAvailable();
if (!version) {
  const skipped = `redis-server not found (${REDIS_BIN}): fleet section skipped (apt-get install redis-server)`;
  log(skipped);
  if (JSON_OUT) console.log(`FLEET ${JSON.stringify({ skipped })}`);
  process.exit(0);
}
const redis = await startRedis();
let result;
try {
  log(
    `throughput: ${MODES.join(', ')}; ${ROUNDS} interleaved rounds of ${BURST} events each; then ${LATENCY_N} one at a time`,
  );
  const tp = await throughput(redis.url);
  log(`rebalance: 3 replicas × connections 5 (fleet), ${REPS} reps of a kill -9 and a SIGTERM`);
  const rb = await rebalance(redis.url);
  result = {
    redis: version,
    config: { rounds: ROUNDS, burst: BURST, latency: LATENCY_N, reps: REPS },
    throughput: tp,
    rebalance: rb,
  };
} finally {
  await redis.stop();
}
if (JSON_OUT) console.log(`FLEET ${JSON.stringify(result)}`);
else {
  const s = result.throughput.summary;
  console.log(
    `Fleet: one client, ${BURST}-event pipelined bursts, median of ${ROUNDS} interleaved rounds (${result.redis})`,
  );
  for (const m of MODES)
    console.log(
      `  ${m.padEnd(13)} ${Math.round(s[m].rate).toLocaleString('en')}/s, ${s[m].cpuUsPerEnvelope.toFixed(1)} µs CPU per envelope` +
        (m === 'memory'
          ? ''
          : `  ${s[m].ratioVsMemory.median.toFixed(2)}× (${s[m].ratioVsMemory.min.toFixed(2)}–${s[m].ratioVsMemory.max.toFixed(2)}); +${s[m].extraCpuUs.toFixed(1)} µs CPU, +${s[m].extraWallUs.toFixed(1)} µs wall per envelope`) +
        `  · ack p50 / p99 ${s[m].latency.p50.toFixed(2)} / ${s[m].latency.p99.toFixed(2)} ms`,
    );
  const rb = result.rebalance;
  console.log(
    `Rebalance (3 replicas × 5, budget 10): kill -9 → ${Math.round(rb.killMs)} ms, SIGTERM → ${Math.round(rb.termMs)} ms (median of ${rb.runs.length}); refusals ${rb.refusals}`,
  );
}
