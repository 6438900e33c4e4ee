// The simulator process. The orchestrator (bench/run.mjs) drives it over IPC (bench/lib/rpc.mjs);
// every measurement that needs the simulator's clock or its records is taken here, through the
// simulator's code API, so pipelined injection is a tight loop in this process.
// It holds several simulators at once, keyed by name (every command takes `name`, default 'main'): the
// interleaved throughput rounds keep one simulator per client alive for the whole measure, because a
// simulator spreads an app's envelopes over all of its live connections, so two clients on one simulator
// would split each burst. Idle simulators cost nothing but a ping every few seconds.
import { performance } from 'node:perf_hooks';
import { serve } from './lib/rpc.mjs';
import { percentile, sleep } from './lib/stats.mjs';

const { startSimulator } = await import('../dist/simulator/index.js');

/** One simulator and the ack counters of its current measurement. */
class Hosted {
  acked = 0; // first acks (not duplicates) since the last counter reset
  duplicates = 0;
  lastAckAt = 0; // performance.now()
  #waiters = new Set();

  constructor(sim) {
    this.sim = sim;
    sim.on('ack', (rec) => {
      if (rec.duplicate) this.duplicates++;
      else {
        this.acked++;
        this.lastAckAt = performance.now();
      }
      for (const w of this.#waiters) w();
    });
  }

  resetCounters() {
    this.acked = 0;
    this.duplicates = 0;
    this.lastAckAt = 0;
  }

  /** Resolves once `n` first acks were counted (or rejects after timeoutMs). */
  waitAcks(n, timeoutMs) {
    if (this.acked >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.acked < n) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`only ${this.acked}/${n} acks after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  liveCount() {
    return this.sim.connections().filter((c) => c.state === 'live').length;
  }

  async waitLive(n = 1, timeoutMs = 20_000) {
    await this.sim.waitFor(() => this.liveCount() >= n, timeoutMs);
  }
}

const hosted = new Map(); // name -> Hosted
const get = (name = 'main') => {
  const h = hosted.get(name);
  if (!h) throw new Error(`no simulator named ${name} (start it first)`);
  return h;
};
async function close(name) {
  const h = hosted.get(name);
  hosted.delete(name);
  if (h) await h.sim.close();
}

// events_api kinds rotate so every inner event type is exercised.
const EVENT_KINDS = ['message', 'app_mention', 'reaction_added'];

serve({
  /** Starts simulator `name` (closing any earlier one of that name); the others stay as they are. */
  async start({ name = 'main', options = {} }) {
    await close(name);
    const sim = await startSimulator(options);
    hosted.set(name, new Hosted(sim));
    return { name, apiUrl: sim.apiUrl, appToken: sim.appToken, url: sim.url, pid: process.pid };
  },

  /** Closes simulator `name`, or every simulator when no name is given. */
  async stop({ name }) {
    await Promise.all((name === undefined ? [...hosted.keys()] : [name]).map(close));
  },

  async waitLive({ name, n = 1, timeoutMs = 20_000 }) {
    const h = get(name);
    await h.waitLive(n, timeoutMs);
    return { live: h.liveCount() };
  },

  state({ name }) {
    const h = get(name);
    return {
      live: h.liveCount(),
      connections: h.sim.connections().length,
      openCalls: h.sim.openCalls,
      simulators: [...hosted.keys()],
    };
  },

  /** Pipelined: inject `n` events_api envelopes in one tight loop (no awaits). */
  burst({ name, n }) {
    const h = get(name);
    h.resetCounters();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) h.sim.inject(EVENT_KINDS[i % 3]);
    return { injectMs: performance.now() - t0, t0 };
  },

  /** After burst(): wait for `n` acks; wall time from the burst's start to the last ack. */
  async burstAcks({ name, n, t0, timeoutMs = 60_000 }) {
    const h = get(name);
    await h.waitAcks(n, timeoutMs);
    return {
      acked: h.acked,
      duplicates: h.duplicates,
      wallMs: h.lastAckAt - t0,
      missed: h.sim.missedDeadlines().length,
    };
  },

  /**
   * Paced: `n` envelopes, one every `intervalMs`, kinds rotating (events and a slash command); returns the
   * simulator's ack latencies (delivery -> ack received) of the first acks.
   */
  async paced({ name, n, intervalMs, timeoutMs = 30_000 }) {
    const h = get(name);
    const { sim } = h;
    sim.resetStats();
    h.resetCounters();
    const latencies = [];
    const off = sim.on('ack', (rec) => {
      if (!rec.duplicate && rec.latencyMs >= 0) latencies.push(rec.latencyMs);
    });
    const kinds = [...EVENT_KINDS, 'slash_command'];
    for (let i = 0; i < n; i++) {
      sim.inject(kinds[i % kinds.length]);
      await sleep(intervalMs);
    }
    try {
      await h.waitAcks(n, timeoutMs);
    } finally {
      off();
    }
    return {
      n: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      missed: sim.missedDeadlines().length,
    };
  },

  /**
   * Refresh under load: events + slash commands flow at `ratePerSec` while `refreshes` refresh sequences
   * (warning -> refresh_requested -> close) run one after another; each waits for the client to be live
   * again plus `settleMs`. Reports the simulator's own gap and deadline counters, plus slash commands
   * acked more than 3 s after injection (time spent queued counts: Slack's user sees that delay).
   */
  async refreshRun({ name, refreshes = 3, ratePerSec = 100, settleMs = 1000, tailMs = 1500, timeoutMs = 30_000 }) {
    const h = get(name);
    const { sim } = h;
    await h.waitLive(1, timeoutMs);
    await sleep(200);
    sim.resetStats();
    h.resetCounters();
    const injectedAt = new Map(); // envelope_id -> { t, type, eventId }
    const ackLatency = new Map(); // injected envelope_id -> inject -> first ack (bench clock), every type
    const ackedIds = new Set();
    const offAck = sim.on('ack', (rec) => {
      if (!rec.duplicate) ackedIds.add(rec.envelope_id);
      const inj = injectedAt.get(rec.envelope_id);
      if (inj && !rec.duplicate && !ackLatency.has(rec.envelope_id))
        ackLatency.set(rec.envelope_id, performance.now() - inj.t);
    });
    let flowing = true;
    let injected = 0;
    const everyMs = 1000 / ratePerSec;
    const flow = (async () => {
      const kinds = ['message', 'slash_command', 'app_mention', 'block_actions'];
      const start = performance.now();
      while (flowing) {
        const env = sim.inject(kinds[injected % kinds.length]);
        injectedAt.set(env.envelope_id, { t: performance.now(), type: env.type, eventId: env.payload?.event_id });
        injected++;
        const due = start + injected * everyMs;
        await sleep(Math.max(0, due - performance.now()));
      }
    })();
    const t0 = performance.now();
    const perRefresh = [];
    try {
      for (let i = 0; i < refreshes; i++) {
        const before = new Set(
          sim
            .connections()
            .filter((c) => c.state === 'live')
            .map((c) => c.id),
        );
        const gapBefore = sim.noLiveConnectionMs();
        const tr = performance.now();
        sim.refresh({ warning: true });
        // Done when every refreshed connection is closed and some other connection is live.
        await sim.waitFor(
          () =>
            sim.connections().every((c) => !before.has(c.id) || c.state === 'closed') &&
            sim.connections().some((c) => c.state === 'live' && !before.has(c.id)),
          timeoutMs,
        );
        perRefresh.push({ ms: performance.now() - tr, gapMs: sim.noLiveConnectionMs() - gapBefore });
        await sleep(settleMs);
      }
      await sleep(tailMs);
    } finally {
      flowing = false;
      await flow;
    }
    // Give every envelope its full deadline before counting.
    const allIds = [...injectedAt.keys()];
    await sim.waitFor(() => allIds.every((id) => ackedIds.has(id)), 3500).catch(() => {});
    offAck();
    const missed = sim.missedDeadlines();
    // An event counts as acked if any of its deliveries (the original or a redelivery, same event_id) was.
    const eventOf = new Map(sim.deliveries.filter((d) => d.event_id).map((d) => [d.envelope_id, d.event_id]));
    const ackedEvents = new Set([...ackedIds].map((id) => eventOf.get(id)).filter(Boolean));
    const neverAckedIds = allIds.filter((id) => !ackedIds.has(id) && !ackedEvents.has(injectedAt.get(id).eventId));
    // Why an envelope was never acked: the simulator never sent it (nor, for an event, any redelivery of it): it
    // waited in the queue while no connection was live until its ack window ended, and Slack gave up on it (the
    // simulator records that as missed, without a connectionId, and never sends it stale); or it was sent and no ack
    // came back (lost with a closing socket, or dropped by the client).
    const deliveredIds = new Set(sim.deliveries.map((d) => d.envelope_id));
    const deliveredEvents = new Set(eventOf.values());
    const wasDelivered = (id) => deliveredIds.has(id) || deliveredEvents.has(injectedAt.get(id).eventId);
    const neverDelivered = neverAckedIds.filter((id) => !wasDelivered(id));
    const byType = (ids) => {
      const out = {};
      for (const id of ids) out[injectedAt.get(id).type] = (out[injectedAt.get(id).type] ?? 0) + 1;
      return out;
    };
    const slashIds = allIds.filter((id) => injectedAt.get(id).type === 'slash_commands');
    const userLate = slashIds.filter((id) => !ackLatency.has(id) || ackLatency.get(id) > 3000).length;
    return {
      durationMs: performance.now() - t0,
      injected,
      acked: h.acked,
      unacked: neverAckedIds.length,
      unackedNeverDelivered: neverDelivered.length,
      unackedDelivered: neverAckedIds.length - neverDelivered.length,
      unackedByType: byType(neverAckedIds),
      noLiveConnectionMs: sim.noLiveConnectionMs(),
      missedDeadlines: missed.length,
      // attempts whose ack window ended while they waited for a live connection (never sent)
      missedInQueue: missed.filter((m) => m.connectionId === undefined).length,
      missedSlash: missed.filter((m) => m.type === 'slash_commands').length,
      slashInjected: slashIds.length,
      slashUserLate: userLate,
      slashAckP99Ms: percentile(
        slashIds.filter((id) => ackLatency.has(id)).map((id) => ackLatency.get(id)),
        99,
      ),
      openCalls: sim.openCalls,
      perRefresh,
    };
  },

  /**
   * One fault nobody announces, under load: envelopes flow at `ratePerSec` (a slash command every `slashEvery`-th,
   * events otherwise); after `preMs` the fault hits one live connection: 'silent' (sim.silentDeath: the path dies
   * without a close frame, Slack keeps routing there until the client's close reaches it or its own ping gives up
   * after routeForMs), 'silent_dead_path' (the same, but the client's close never reaches Slack either: only routeForMs
   * ends the routing) or 'drop' (TCP destroyed, no close frame; the client sees the socket close).
   * Deaf time: fault -> the first hello the simulator sends on a connection opened after the fault (null if none within
   * maxWaitMs); also fault -> the first ack received on such a connection. The flow goes on until Slack routes nothing
   * more to the faulted connection (victimRoutedMs), and `postMs` after that; then
   * every envelope gets its full 3 s window before the counts: slash commands failed (never acked in time: Slack does
   * not redeliver them), events late (missed their window; Slack redelivers those).
   */
  async faultRun({
    name,
    fault,
    live: expectLive = 1,
    ratePerSec = 50,
    slashEvery = 10,
    preMs = 1000,
    postMs = 500,
    maxWaitMs = 20_000,
    routeForMs,
  }) {
    const h = get(name);
    const { sim } = h;
    await h.waitLive(expectLive, 20_000);
    await sleep(300);
    sim.resetStats();
    h.resetCounters();
    const injectedAt = new Map(); // envelope_id -> { t (epoch ms), type }
    let flowing = true;
    let injected = 0;
    const everyMs = 1000 / ratePerSec;
    const flow = (async () => {
      const start = performance.now();
      while (flowing) {
        const env = sim.inject(injected % slashEvery === slashEvery - 1 ? 'slash_command' : 'message');
        injectedAt.set(env.envelope_id, { t: Date.now(), type: env.type });
        injected++;
        await sleep(Math.max(0, start + injected * everyMs - performance.now()));
      }
    })();
    let deafMs = null;
    let firstAckMs = null;
    let victim;
    let liveAtFault = 0;
    let victimRoutedMs = null;
    try {
      await sleep(preMs);
      const live = sim.connections().filter((c) => c.state === 'live');
      liveAtFault = live.length;
      victim = live[0]?.id;
      if (!victim) throw new Error('no live connection to fault');
      const before = new Set(sim.connections().map((c) => c.id));
      const t0 = Date.now();
      if (fault === 'drop') sim.drop({ connectionId: victim });
      else
        sim.silentDeath({
          connectionId: victim,
          closeReaches: fault === 'silent',
          ...(routeForMs ? { routeForMs } : {}),
        });
      const replacement = () =>
        sim.connections().find((c) => !before.has(c.id) && c.helloAt !== undefined && c.helloAt >= t0);
      const ackOnNew = () => sim.acks.find((a) => !before.has(a.connectionId) && a.receivedAt >= t0);
      await sim.waitFor(() => replacement() !== undefined && ackOnNew() !== undefined, maxWaitMs).catch(() => {});
      if (replacement()) deafMs = replacement().helloAt - t0;
      if (ackOnNew()) firstAckMs = ackOnNew().receivedAt - t0;
      // The run lasts until Slack routes nothing more into the dead path (a dead path whose close never reaches
      // Slack takes its share until routeForMs): what is lost after the client recovered counts too.
      const victimGone = () => sim.connections().find((c) => c.id === victim)?.state !== 'live';
      await sim.waitFor(victimGone, maxWaitMs).catch(() => {});
      victimRoutedMs = Date.now() - t0;
      await sleep(postMs);
    } finally {
      flowing = false;
      await flow;
    }
    // Every envelope gets its whole ack window (from issue) before it is counted.
    const ids = [...injectedAt.keys()];
    const acked = new Set();
    for (const a of sim.acks) if (!a.duplicate) acked.add(a.envelope_id);
    await sim
      .waitFor(() => {
        for (const a of sim.acks) acked.add(a.envelope_id);
        return ids.every((id) => acked.has(id));
      }, 3200)
      .catch(() => {});
    const missed = sim.missedDeadlines();
    const slashIds = ids.filter((id) => injectedAt.get(id).type === 'slash_commands');
    const lateAck = new Map(sim.acks.filter((a) => !a.duplicate && a.late).map((a) => [a.envelope_id, true]));
    const failed = (id) => !acked.has(id) || lateAck.has(id);
    return {
      fault,
      victim,
      liveAtFault,
      deafMs,
      firstAckMs,
      victimRoutedMs,
      recovered: deafMs !== null,
      injected,
      slashInjected: slashIds.length,
      slashFailed: slashIds.filter(failed).length,
      eventsLate: missed.filter((m) => m.type === 'events_api').length,
      missedDeadlines: missed.length,
      openCalls: sim.openCalls,
    };
  },

  /** For the heap-growth run: `total` envelopes in batches of `batch`, each batch fully acked first. */
  async batches({ name, total, batch, timeoutMs = 60_000 }) {
    const h = get(name);
    const { sim } = h;
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += batch) {
      h.resetCounters();
      sim.resetStats(); // keep the simulator's own records small
      const n = Math.min(batch, total - sent);
      for (let i = 0; i < n; i++) sim.inject(EVENT_KINDS[i % 3]);
      await h.waitAcks(n, timeoutMs);
    }
    return { wallMs: performance.now() - t0 };
  },
});
