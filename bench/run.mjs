// npm run bench — orchestrator. Process layout (2 cores: keep the simulator and the client under test
// from fighting over one):
//   this process        orchestration only: forks the others, writes results, does no measured work
//   bench/sim-host.mjs  the simulator (dist/simulator), one process for the whole run, driven over IPC; it holds
//                       several simulators at once (one per client during throughput)
//   bench/clients/*.mjs throughput: one child per client, all alive for the whole measure, taking turns (one burst
//                       at a time, so only one client works at any moment); every other measure: one child per
//                       client and measure, run one after another
//   runtimes section: ours and a raw client on Bun's and on Deno's own WebSocket (bench/clients/*-web.mjs started
//                       with that runtime's binary from node_modules/.bin), interleaved rounds like throughput
// Flags: --quick (1 rep, 2 throughput rounds, smaller counts),
//        --only=bundle,throughput,runtimes,refresh,memory,faults,forward,fleet, --clients=ours,raw (Node sections),
//        --runtimes=bun,deno, --out=DIR (default bench/results; the bench's own smoke test writes elsewhere)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './lib/rpc.mjs';
import * as measures from './lib/measures.mjs';
import { summarize, summarizeRuntimes, chartPanels } from './lib/summary.mjs';
import { printReport } from './lib/table.mjs';
import { renderChart } from './chart.mjs';
import { bundleSizes } from './bundle-size.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = args.includes('--quick');
const only = new Set((flag('only') ?? 'bundle,throughput,runtimes,refresh,memory,faults,forward,fleet').split(','));
const CLIENTS = (flag('clients') ?? 'raw,official,ours').split(',');
const RUNTIMES = (flag('runtimes') ?? 'bun,deno').split(',');

const cfg = {
  reps: quick ? 1 : 3,
  // Throughput is the noisiest measure: `rounds` interleaved rounds (see measures.throughputRounds), and its ratios
  // are taken per round. pauseMs: quiet time before each burst, so one client's leftovers do not land on the next.
  throughput: {
    envelopes: quick ? 5000 : 20_000,
    warmup: quick ? 1000 : 3000,
    rounds: quick ? 2 : 9,
    pauseMs: 100,
    latencyN: quick ? 100 : 300,
    latencyIntervalMs: 4,
  },
  // Bun and Deno, ours against raw on the same runtime's WebSocket: the throughput method (interleaved rounds of one
  // pipelined burst per client, per-round ratios), with every runtime's pair in the same rounds.
  runtimes: {
    // 20,000 a burst at most: the simulator remembers the last 20,000 envelopes sent (an ack for an older one is not
    // counted). Bursts here take ~0.1-0.3 s, so more rounds than Node's 9 (a multiple of 4: balanced orders).
    envelopes: quick ? 5000 : 20_000,
    warmup: quick ? 1000 : 3000,
    rounds: quick ? 2 : 16,
    pauseMs: 100,
  },
  refresh: { refreshes: 3, ratePerSec: 100, warningLeadMs: 1000, closeDelayMs: 500, settleMs: 700, tailMs: 1000 },
  // Faults nobody announces, one run each (a fault's deaf time is seconds, not noise-sized): 50 envelopes/s, a slash
  // command every 10th. Which client takes which fault: see FAULT_PLAN.
  // dropAgeMs: a drop hits a connection that has been up that long (production sockets live for hours; ours retries
  // at once only after a connection stayed healthy for 10 s, a younger one's loss draws from the backoff).
  faults: {
    ratePerSec: 50,
    slashEvery: 10,
    preMs: 300,
    dropAgeMs: quick ? 0 : 11_000,
    postMs: 200,
    maxWaitMs: 20_000,
    live: { 'ours-pool-noping': 2 },
  },
  memory: {
    idleClients: quick ? 10 : 50,
    growthEnvelopes: quick ? 20_000 : 100_000,
    growthBatch: 10_000,
    warmupEnvelopes: 100_000,
  },
};
for (const k of ['refresh', 'memory']) cfg[k].reps = cfg.reps;
cfg.throughput.latencyReps = cfg.reps;
// raw has no ping: it never notices a silent death, so it takes only the drop. official notices a silent death
// only after Slack has given up on the path (~12 s vs 10 s), so whether our close reaches Slack changes nothing
// for it: it skips silent_dead_path (~17 s a run). The pool without ping has nothing new to show on a drop (the socket
// closes).
// --quick: a smoke run (every client, ~25 s): official takes only the drop.
const FAULT_PLAN = {
  raw: ['drop'],
  official: quick ? ['drop'] : ['silent', 'drop'],
  ours: quick ? ['silent', 'drop'] : ['silent', 'silent_dead_path', 'drop'],
  // A standard WebSocket cannot reset a socket, so where there is no ping our close of a dead member never reaches
  // Slack: silent_dead_path is what Deno, browsers and workerd get (ws, used here, could reset it: --quick only).
  'ours-pool-noping': quick ? ['silent'] : ['silent_dead_path'],
};
cfg.faults.plan = FAULT_PLAN;
// Transparency: ours without write coalescing (raw and official write one ack per syscall), throughput only.
const BOLT_CLIENTS = ['bolt-official', 'bolt-ours'];
const THROUGHPUT_CLIENTS = CLIENTS.includes('ours') ? [...CLIENTS, 'ours-uncoalesced'] : CLIENTS;

const started = Date.now();
const loadAtStart = loadavg();
const log = (s) => process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${s}\n`);

const sim = spawnChild(join(here, 'sim-host.mjs'), {
  execArgv: process.env.BENCH_SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
});
await sim.ready;
const processes = [];
// throughput: per client, its runs in round order (what the medians are taken of); throughputRounds: the same
// runs by round, with the order of each round (what the per-round ratios are taken of).
const raw = {
  throughput: {},
  throughputRounds: [],
  throughputWarmup: {},
  runtimes: { versions: {}, rounds: [], warmup: {} },
  latency: {},
  refresh: {},
  memory: {},
  faults: {},
};
let bundle;

// A measure that fails for one client is recorded (errors[]) and the run goes on.
const errors = [];
const fail = (client, what, err) => {
  errors.push({ what, client, error: String(err?.message ?? err).slice(0, 2000) });
  log(`${client}: ${what} FAILED: ${String(err?.message ?? err).split('\n')[0]}`);
};
const attempt = async (what, client, fn) => {
  try {
    return await fn();
  } catch (err) {
    fail(client, what, err);
    return undefined;
  }
};

let forward;
let fleet;
try {
  if (only.has('bundle')) {
    log('bundle sizes (esbuild)');
    bundle = await attempt('bundle', '-', () => bundleSizes());
  }
  if (only.has('forward')) {
    // The forwarder's added latency (bench/forward.mjs, a child process: this one does no measured work).
    log('forward: ack latency through socket-mode-anywhere/forward against a direct handler');
    const args = quick ? ['--n=100', '--rate=50', '--seconds=1'] : ['--n=300', '--rate=100', '--seconds=3'];
    forward = await attempt('forward', '-', () => {
      const out = execFileSync(process.execPath, [join(here, 'forward.mjs'), ...args, '--json'], { encoding: 'utf8' });
      return JSON.parse(
        out
          .split('\n')
          .find((l) => l.startsWith('FORWARD '))
          ?.slice('FORWARD '.length) ?? 'null',
      );
    });
  }
  if (only.has('fleet')) {
    // Replicas on Redis (bench/fleet.mjs, child processes; skipped without redis-server): throughput with the Redis
    // store and the fleet against the in-memory store, and lease rebalance time when a replica dies or stops.
    log(
      'fleet: throughput with redisDedupeStore / redisFleet vs the in-memory store; lease rebalance after kill -9 / SIGTERM',
    );
    const args = quick
      ? ['--rounds=2', '--burst=1000', '--latency=50', '--reps=1']
      : ['--rounds=9', '--burst=1000', '--latency=300', '--reps=3'];
    fleet = await attempt('fleet', '-', () => {
      const out = execFileSync(process.execPath, [join(here, 'fleet.mjs'), ...args, '--json'], { encoding: 'utf8' });
      return JSON.parse(
        out
          .split('\n')
          .find((l) => l.startsWith('FLEET '))
          ?.slice('FLEET '.length) ?? 'null',
      );
    });
  }
  if (only.has('throughput')) {
    const t = cfg.throughput;
    log(
      `throughput: ${THROUGHPUT_CLIENTS.join(', ')} alive together, each on its own simulator; a warm-up burst each, then ${t.rounds} rounds of one ${t.envelopes}-envelope pipelined burst per client, the order changing each round`,
    );
    const r = await attempt('throughput', '-', () =>
      measures.throughputRounds(sim, THROUGHPUT_CLIENTS, t, processes, { log, fail }),
    );
    if (r) {
      raw.throughputRounds = r.rounds;
      raw.throughputWarmup = r.warmup;
      for (const name of THROUGHPUT_CLIENTS) {
        const runs = r.rounds.map((x) => x.results[name]).filter(Boolean);
        if (runs.length) raw.throughput[name] = runs;
      }
    }
  }
  if (only.has('runtimes')) {
    const t = cfg.runtimes;
    const names = [];
    for (const rt of RUNTIMES) {
      const version = measures.runtimeVersion(rt);
      raw.runtimes.versions[rt] = version;
      if (version) names.push(`${rt}:raw`, `${rt}:ours`);
      else fail(rt, 'runtimes', new Error(`node_modules/.bin/${rt} does not start (npm ci installs it)`));
    }
    log(
      `runtimes: ${names.join(', ')} alive together, each on its own simulator; a warm-up burst each, then ${t.rounds} rounds of one ${t.envelopes}-envelope pipelined burst per client, the order changing each round`,
    );
    const r = names.length
      ? await attempt('runtimes', '-', () => measures.throughputRounds(sim, names, t, processes, { log, fail }))
      : undefined;
    if (r) {
      raw.runtimes.rounds = r.rounds;
      raw.runtimes.warmup = r.warmup;
    }
  }
  for (const name of CLIENTS) {
    if (!only.has('throughput')) break;
    log(
      `${name}: ack latency (fresh client and simulator; ${cfg.reps}× ${cfg.throughput.latencyN} paced, 0 ms and 50 ms handlers)`,
    );
    const l = await attempt('latency', name, () => measures.latency(sim, name, cfg.throughput, processes));
    if (l) raw.latency[name] = l;
  }
  // bolt-official / bolt-ours: the same Bolt app on Bolt's own SocketModeReceiver and on ours (refresh only).
  for (const name of CLIENTS.includes('ours') ? [...CLIENTS, ...BOLT_CLIENTS] : CLIENTS) {
    if (!only.has('refresh')) break;
    log(`${name}: refresh under load (${cfg.reps}× ${cfg.refresh.refreshes} refreshes)`);
    raw.refresh[name] = await attempt('refresh', name, () => measures.refresh(sim, name, cfg.refresh, processes));
  }
  // ours-pool-noping: our client where the socket cannot ping (a pool of 2 finds a dead member by silence).
  for (const name of CLIENTS.includes('ours') ? [...CLIENTS, 'ours-pool-noping'] : CLIENTS) {
    if (!only.has('faults')) break;
    const f = cfg.faults;
    const kinds = FAULT_PLAN[name] ?? ['silent', 'drop'];
    log(`${name}: faults (${kinds.join(', ')}; ${f.ratePerSec} envelopes/s, a slash command every ${f.slashEvery}th)`);
    raw.faults[name] = await attempt('faults', name, () => measures.faults(sim, name, kinds, f, processes));
  }
  for (const name of CLIENTS) {
    if (!only.has('memory')) break;
    log(`${name}: memory (${cfg.memory.idleClients} idle clients; ${cfg.memory.growthEnvelopes} envelopes)`);
    raw.memory[name] = await attempt('memory', name, () => measures.memory(sim, name, cfg.memory, processes));
  }
} finally {
  await sim.call('stop', {}, undefined, 10_000).catch(() => {});
  await sim.kill();
}

const meta = {
  date: new Date().toISOString(),
  wallSeconds: (Date.now() - started) / 1000,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  quick,
  loadAverage: { start: loadAtStart, end: loadavg() },
  config: cfg,
  notes: [
    'Throughput: the client is held (event loop blocked) while the simulator injects all envelopes in one tight loop, then drains; "client wall" = release -> n-th ack call in the client process, "per client CPU-second" = n / CPU time the client process used meanwhile (isolates the client from the simulator, which shares the machine), "end to end" = simulator clock from first inject to last ack received.',
    `Throughput is interleaved: every client (and ours with coalesceWrites: false) runs in its own process for the whole measure, each connected to its own simulator; after one warm-up burst each, ${cfg.throughput.rounds} rounds, in each of which every client does one burst of ${cfg.throughput.envelopes}, one client at a time, in an order that changes each round (a Williams design: every few rounds each client has taken every position and followed every other client once). The machine's speed drifts over minutes; clients of one round are measured seconds apart. Values are per-client medians over the rounds; a throughput ratio is computed per round and reported as the median of the per-round ratios with their min–max (summary rows: oursVsRawRounds, oursVsOfficialRounds, officialVsRawRounds; oursVsRaw/oursVsOfficial there stay the ratio of the medians). The goals use the median per-round ratio. Per-round data: runs.throughputRounds.`,
    "The simulator (its own process, own core) keeps ahead of every client here (~40k env/s end to end including injection; it drains faster than any client acks), so client wall throughput is bound by the client; per CPU-second discounts whatever the machine's other work steals.",
    'Ack latency: simulator clock, delivery -> ack received; paced injection; handlers ack first, then do the (50 ms async) work, as each library documents.',
    'Refresh: simulator noLiveConnectionMs()/missedDeadlines(); a deadline counts from when the simulator issued the envelope, also while it waited for a live connection; "slash commands acked > 3 s after inject" is the same question asked from the bench\'s own clock. "Never acked": envelopes with no ack for any attempt (an event counts as acked if a redelivery of it was). The simulator holds an envelope issued while no connection is live only until its ack window (3 s from issue) ends; then Slack has given up on it: it is recorded as missed and never sent stale, and only events_api is redelivered (at once, as a new attempt). So a client offline for longer than 3 s loses the slash commands and interactions issued early in the gap for good: "of them never delivered" counts those (runs: unackedNeverDelivered, unackedByType, missedInQueue); the rest were sent and no ack came back (e.g. lost with a closing socket). @slack/socket-mode 3.1.0 with default options closes its socket on the `warning` disconnect message and reconnects clientPingTimeout (5 s) later, so each refresh leaves it ~5 s without a live connection: its ~2 s beyond the window, at 100 envelopes/s with 4 kinds rotating, is ~50 slash commands and ~50 block_actions lost per refresh (events are redelivered and acked). That is the client, not the harness: clientErrors (its \'error\' events and rejected acks) is reported with every refresh run.',
    `Memory: heapUsed + arrayBuffers (typed arrays and Buffers live outside the JS heap) after forced gc (--expose-gc) in the client process; idle = marginal per client between N/5 and N connected clients, after one warm-up client. Growth: one client takes ${cfg.memory.warmupEnvelopes} envelopes first, enough for bounded caches to reach their bound (ours: its dedupe store, 50,000 keys by default); what that leaves held, against the connected idle client, is reported as "held after the warm-up"; growth is then measured over ${cfg.memory.growthEnvelopes} more envelopes per repetition (a leak shows there).`,
    `Faults: one run per client and fault, single connection (ours-pool-noping: a pool of 2), envelopes at ${cfg.faults.ratePerSec}/s with a slash command every ${cfg.faults.slashEvery}th. silent = sim.silentDeath (no close frame; Slack keeps routing into the dead path until the client's close reaches it, or its own ping gives up after 10 s), silent_dead_path = the same with closeReaches: false (only Slack's 10 s ends the routing), drop = TCP destroyed without a close frame, on a connection up ${cfg.faults.dropAgeMs / 1000} s (envelopes flowing meanwhile). Deaf = fault -> the simulator sends hello on a connection opened after it ("—": none within ${cfg.faults.maxWaitMs / 1000} s); first ack = fault -> first ack on such a connection. The flow runs until Slack routes nothing more into the faulted connection (victimRoutedMs). Slash commands failed = never acked within 3 s (Slack does not redeliver them); events late = missed their window (Slack redelivers). Which client took which fault (config.faults.plan): raw has no ping and never notices a silent death, so it takes only the drop; official notices a silent death after Slack has given up on the path anyway, so silent_dead_path would repeat its silent figure${quick ? '; --quick: official takes only the drop' : ''}.`,
    `Runtimes (result key "runtimes", per-round data runs.runtimes): on Bun and on Deno (node_modules/.bin, versions in runs.runtimes.versions), ours (the package entry its exports map gives that runtime, so the runtime's own WebSocket; no write coalescing exists there) and raw (bench/clients/raw-web.mjs: JSON.parse + send ack on the same WebSocket), each client in its own process on that runtime, started with Node's IPC channel, measured with the throughput method: all four alive at once, a warm-up burst each, then ${cfg.runtimes.rounds} interleaved rounds of one ${cfg.runtimes.envelopes}-envelope burst per client; ours/raw is the median of the per-round ratios (min-max). CPU is the client process's own process.cpuUsage() (every thread of it, as on Node).`,
    'Other processes on the machine add noise: see loadAverage. Ratios are against baselines of the same run; never use them as test thresholds.',
  ],
  processes: {
    orchestrator: { file: 'bench/run.mjs', pid: process.pid, role: 'forks the others, no measured work' },
    simulator: {
      file: 'bench/sim-host.mjs',
      pid: sim.child.pid,
      role: 'the simulator (dist/simulator) for the whole run; injects, times acks; holds one simulator per client during throughput (tp:<client>), one at a time otherwise',
    },
    clients: processes,
    note: 'throughput: one child per client, all started together and alive for the whole throughput measure, each on its own simulator, taking turns (one burst at a time; the idle ones use no CPU); latency, refresh, memory: one child per client and measure, one after another. Never two clients working at once.',
  },
  clients: {
    raw: 'hand-written ws client: JSON.parse + send ack (the limit); naive reconnect on close',
    official: '@slack/socket-mode 3.1.0 (undici WebSocket), default options',
    ours: 'socket-mode-anywhere dist/platform/node.js (ws via isomorphic-ws on Node 20), default options',
    'ours-uncoalesced':
      'ours with coalesceWrites: false (throughput only): one socket write per ack, like raw and official',
    'bun:raw / deno:raw':
      "hand-written client on the runtime's own WebSocket (bench/clients/raw-web.mjs): JSON.parse + send ack",
    'bun:ours / deno:ours':
      "socket-mode-anywhere dist/, the entry package.json's exports map gives that runtime (bench/clients/ours-web.mjs), default options",
    'ours-pool-noping':
      'ours with connections: 2 and pingIntervalMs: 0 (faults only): how a pool fares where the socket cannot ping (Deno, browsers, workerd, undici)',
  },
};

const summary = summarize(raw, bundle, CLIENTS);
// runtimes: Bun and Deno, ours against raw on the same runtime (per-round data: runs.runtimes).
const result = { meta, summary, runtimes: summarizeRuntimes(raw.runtimes), errors, bundle, forward, fleet, runs: raw };
const outDir = flag('out') ?? join(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
writeFileSync(
  join(outDir, 'latest.svg'),
  renderChart({
    title: 'socket-mode-anywhere benchmark',
    subtitle: [
      `${meta.date} · Node ${meta.node} · ${meta.cpus} cores · medians of ${cfg.reps} · every ratio is against baselines measured in this run`,
      ...(only.has('runtimes')
        ? [
            `Bun ${raw.runtimes.versions.bun ?? '?'} and Deno ${raw.runtimes.versions.deno ?? '?'}: ours against raw on the same runtime's WebSocket, ${cfg.runtimes.rounds} interleaved rounds`,
          ]
        : []),
      ...(only.has('throughput')
        ? [
            `throughput: all clients alive at once, ${cfg.throughput.rounds} interleaved rounds of one burst each; its ratios are the median of per-round ratios (min–max)`,
          ]
        : []),
    ],
    panels: chartPanels(summary, bundle),
  }),
);
printReport(summary, bundle, meta);
if (forward) {
  console.log(`\nForwarder (socket-mode-anywhere/forward): ack p50 / p99 over ${forward.n} sequential slash commands`);
  const base = forward.rows[0];
  for (const r of forward.rows)
    console.log(
      `  ${r.name.padEnd(42)} ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} ms` +
        (r === base ? '' : `  (+${(r.p50 - base.p50).toFixed(2)} ms p50)`) +
        `  · ${forward.rate}/s for ${forward.seconds} s: ${r.rateAcked} acked, p99 ${r.rateP99.toFixed(2)} ms`,
    );
}
if (fleet?.skipped) console.log(`\nFleet: ${fleet.skipped}`);
else if (fleet) {
  const t = fleet.throughput.summary;
  console.log(
    `\nFleet (socket-mode-anywhere/redis): one client, ${fleet.config.burst}-event pipelined bursts, median of ${fleet.config.rounds} interleaved rounds; ratio and cost per envelope against the in-memory store, per round`,
  );
  for (const [name, m] of Object.entries(t))
    console.log(
      `  ${name.padEnd(13)} ${Math.round(m.rate).toLocaleString('en')}/s, ${m.cpuUsPerEnvelope.toFixed(1)} µs CPU per envelope` +
        (name === 'memory'
          ? ''
          : `  ${m.ratioVsMemory.median.toFixed(2)}× (${m.ratioVsMemory.min.toFixed(2)}–${m.ratioVsMemory.max.toFixed(2)}); +${m.extraCpuUs.toFixed(1)} µs CPU, +${m.extraWallUs.toFixed(1)} µs wall per envelope`) +
        `  · ack p50 / p99 ${m.latency.p50.toFixed(2)} / ${m.latency.p99.toFixed(2)} ms`,
    );
  const rb = fleet.rebalance;
  console.log(
    `  rebalance, 3 replicas × connections 5 (budget 10): kill -9 → survivors live in the freed leases ${Math.round(rb.killMs)} ms, SIGTERM → ${Math.round(rb.termMs)} ms (median of ${rb.runs.length}); too_many_websockets ${rb.refusals}`,
  );
}
for (const e of errors) console.log(`FAILED: ${e.client} ${e.what}: ${e.error.split('\n')[0]}`);
if (errors.length) process.exitCode = 1;
log(`wrote ${join(outDir, 'latest.json')} and latest.svg (${meta.wallSeconds.toFixed(0)} s)`);
