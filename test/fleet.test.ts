// The fleet as users run it: 3 replicas as separate processes (test/helpers/fleet-replica-child.ts), each with
// `connections: 4` and `fleet: redisFleet(redis)`, against the simulator (Slack's cap of 10 sockets enforced with
// too_many_websockets) and a real redis-server. Traffic flows throughout (events, and slash commands whose handlers
// work 300 ms before acking) while faults follow one another: a half-open socket, a kill -9 of one replica and its
// replacement, a rolling restart of another (the new process live first, then SIGTERM → graceful disconnect()).
// Counted: events lost, events handled by two replicas, slash commands failed (only the killed replica's in-flight
// ones may), sockets the fleet holds at once (never more than 10), refusals after the fleet settled, live sockets.
// Then the same fleet with Redis stopped mid-run and started again: acks go on, typed errors, nothing lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { createClient } from 'redis';
import { startSimulator, type ConnectionState, type Envelope, type Simulator } from '../src/simulator/index.ts';
import { bundle, root } from './helpers/bundle.ts';
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts';
import { until } from './helpers/wait.ts';

const CONNECTIONS = 4;
const CAP = 10;
// Settled: the fleet keeps one lease of the 10 spare while it has fewer replicas than leases (for a replacement's
// make-before-break, a joining replica), so 3 replicas asking for 4 each hold 9 live sockets (3 + 3 + 3).
const TARGET = CAP - 1;

interface Line {
  ev: string;
  code?: string;
  text?: string;
  id?: string;
  type?: string;
  event_id?: string;
  conn?: string;
  at: number; // the test's clock, when the line arrived
}

interface Replica {
  name: string;
  child: ChildProcess;
  lines: Line[];
  stderr: string;
  exited: Promise<number | null>;
  /** The simulator's connection ids this replica reported live. */
  conns: Set<string>;
}

let server: RedisServer;
let sim: Simulator;
let script: string;
const replicas: Replica[] = [];

beforeAll(async () => {
  [server, script] = await Promise.all([
    startRedisServer(),
    bundle('test/helpers/fleet-replica-child.ts', 'fleet-replica-child', 'node'),
  ]);
});
beforeEach(async () => {
  await server.start(); // empty: each test's Redis starts without the last one's leases (no persistence)
  sim = await startSimulator({
    maxConnections: CAP,
    // Slack redelivers an event not acked within 3 s; quicker retries than its 1 and 5 min keep the run short.
    redeliveryDelaysMs: [0, 500, 1000, 2000],
    // Slack drops a silent peer eventually; until then the half-open socket counts against the cap.
    halfOpenReapMs: 3000,
  });
});
afterEach(async () => {
  const left = replicas.splice(0).filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  for (const r of left) r.child.kill('SIGKILL');
  await Promise.all(left.map((r) => r.exited));
  await sim?.close();
  await server.stop();
});
afterAll(async () => {
  await server?.stop();
});

function startReplica(name: string): Replica {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: server.url,
      APP_TOKEN: sim.appToken,
      API_URL: sim.apiUrl,
      CONNECTIONS: String(CONNECTIONS),
      SLASH_MS: '300',
      STATUS_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Replica = {
    name,
    child,
    lines: [],
    stderr: '',
    exited: new Promise((res) => child.on('exit', (code) => res(code))),
    conns: new Set(),
  };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) {
      if (!p.startsWith('{')) continue;
      const line = { ...(JSON.parse(p) as Omit<Line, 'at'>), at: Date.now() };
      r.lines.push(line);
      if (line.ev === 'live' && line.conn) r.conns.add(line.conn);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (r.stderr = (r.stderr + d.toString()).slice(-20_000)));
  replicas.push(r);
  return r;
}

const running = (): Replica[] => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

/** What the simulator sees, from its own events (same process: nothing is sampled, every change counts). */
function watchSim() {
  const states = new Map<string, ConnectionState>();
  const liveAt = new Map<string, number>();
  const closedAt = new Map<string, number>();
  const m = { maxHeld: 0, maxLive: 0, minLiveAfterUp: Infinity };
  let up = false;
  const refusals: number[] = []; // when Slack answered too_many_websockets
  const count = (pred: (s: ConnectionState) => boolean) => [...states.values()].filter(pred).length;
  const liveNow = () => count((s) => s === 'live');
  sim.on('connection', (c: { id: string; state: ConnectionState; change: string }) => {
    states.set(c.id, c.state);
    if (c.state === 'live' && !liveAt.has(c.id)) liveAt.set(c.id, Date.now());
    if (c.state === 'closed' && !closedAt.has(c.id)) closedAt.set(c.id, Date.now());
    if (c.change === 'too_many_websockets') refusals.push(Date.now());
    // Sockets the fleet asked for and holds (refused ones included while being turned away), half-open ghosts not.
    m.maxHeld = Math.max(
      m.maxHeld,
      count((s) => s !== 'closed' && s !== 'half-open'),
    );
    m.maxLive = Math.max(m.maxLive, liveNow());
    if (up) m.minLiveAfterUp = Math.min(m.minLiveAfterUp, liveNow());
  });
  const liveOf = (r: Replica) => [...r.conns].filter((id) => states.get(id) === 'live').length;
  /** Settled: the fleet's target of live sockets, nothing opening or being refused, every replica holding ≥ 1. */
  const settled = () =>
    liveNow() === TARGET &&
    count((s) => s === 'connecting' || s === 'closing' || s === 'refreshing') === 0 &&
    running().every((r) => liveOf(r) >= 1);
  const waitSettled = (what: string) =>
    until(settled, 20_000, what).catch((e: Error) => {
      const who = running().map((r) => `${r.name}:${liveOf(r)} ${r.stderr.slice(-1500)}`);
      throw new Error(`${e.message}: ${liveNow()} live of ${TARGET}; refusals ${refusals.length}\n${who.join('\n')}`);
    });
  return {
    states,
    liveAt,
    closedAt,
    refusals,
    m,
    liveNow,
    liveOf,
    waitSettled,
    up() {
      up = true;
      m.minLiveAfterUp = liveNow();
    },
  };
}

const ackedIds = () => new Set(sim.acks.filter((x) => !x.duplicate).map((x) => x.envelope_id));
/** Envelopes delivered to `conns` with no ack received (yet). */
const unackedOn = (conns: Set<string>) => {
  const acked = ackedIds();
  return sim.deliveries.filter((d) => conns.has(d.connectionId) && !acked.has(d.envelope_id));
};
/** Event ids with an acked delivery (any attempt). */
const eventAcked = () => {
  const acked = ackedIds();
  const done = new Set<string>();
  for (const d of sim.deliveries) if (d.event_id && acked.has(d.envelope_id)) done.add(d.event_id);
  return done;
};

/** An event every 40 ms, a slash command every 80 ms, until stop() (bounded in count). */
function startTraffic() {
  const events: string[] = []; // event_id of every event issued
  const envelopes = new Map<string, Envelope>(); // by event_id
  const slashes: string[] = []; // envelope_id of every slash command issued
  let flowing = true;
  const loop = (async () => {
    for (let i = 0; flowing && i < 2000; i++) {
      const e = sim.inject('app_mention', { text: `m${i}` });
      events.push(String((e.payload as { event_id: string }).event_id));
      envelopes.set(events.at(-1)!, e);
      if (i % 2 === 0) slashes.push(sim.inject('slash_command', { command: '/work', text: `s${i}` }).envelope_id);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return {
    events,
    envelopes,
    slashes,
    /** Stops the flow, then waits until every event is acked (Slack's redeliveries included) and every slash command
     * is acked or past its deadline (Slack does not redeliver those). */
    async stop() {
      flowing = false;
      await loop;
      await until(() => events.every((id) => eventAcked().has(id)), 20_000, 'every event acked (redeliveries)');
      await until(
        () => {
          const done = ackedIds();
          const missed = new Set(sim.missedDeadlines().map((m) => m.envelope_id));
          return slashes.every((id) => done.has(id) || missed.has(id));
        },
        10_000,
        'every slash command acked or missed',
      );
      await new Promise((r) => setTimeout(r, 100)); // the replicas' last lines in flight on the pipes
    },
  };
}

/** Events handled twice (a handler ran and its ack reached Slack, on two replicas or two sockets). */
function handledTwice(): Array<[string, string[]]> {
  const acked = ackedIds();
  const handledBy = new Map<string, string[]>();
  for (const r of replicas)
    for (const l of r.lines)
      if (l.ev === 'h' && l.event_id && acked.has(l.id!))
        handledBy.set(l.event_id, [...(handledBy.get(l.event_id) ?? []), r.name]);
  return [...handledBy].filter(([, by]) => by.length > 1);
}

test('3 replicas × connections: 4, fleet: redisFleet(redis): a half-open socket, a kill -9, a rolling restart, while traffic flows', async () => {
  const w = watchSim();
  const { states, liveAt, closedAt, refusals, liveNow, liveOf, waitSettled } = w;
  // --- 3 replicas.
  const [a, b] = [startReplica('A'), startReplica('B'), startReplica('C')];
  await waitSettled('the fleet up');
  w.up();
  const settledAt = Date.now();

  const traffic = startTraffic();
  const { events, slashes } = traffic;
  await until(() => sim.acks.length >= 20, 10_000, 'traffic acked');

  // --- 1. A half-open socket: on a connection with nothing in flight (its acks would be lost with it; the count of
  // failed slash commands below is the killed replica's alone). Slack stops routing to it; the replica's ping finds
  // it dead and replaces it; Slack reaps the ghost after halfOpenReapMs.
  let victim: string | undefined;
  await until(
    () => {
      victim = [...states].find(([id, s]) => s === 'live' && unackedOn(new Set([id])).length === 0)?.[0];
      if (victim) sim.halfOpen({ connectionId: victim });
      return victim !== undefined;
    },
    10_000,
    'a live connection with nothing in flight',
  );
  const halfOpenAt = Date.now();
  await until(() => closedAt.has(victim!), 15_000, 'the ghost reaped');
  await waitSettled('after the half-open socket');
  const halfOpenSettledAt = Date.now();
  const owner = replicas.find((r) => r.conns.has(victim!));
  expect(owner, 'the half-open socket belonged to a replica').toBeDefined();

  // --- 2. kill -9 of A, its replacement started at once. What was delivered to A and not acked at the kill is
  // what may fail (snapshot and kill in one tick: nothing is delivered in between).
  const inFlightAtKill = unackedOn(a.conns);
  a.child.kill('SIGKILL');
  const killAt = Date.now();
  startReplica('A2');
  expect(await a.exited).toBe(null);
  await waitSettled('after the kill');

  // --- 3. Rolling restart of B: B2 starts and, only once one of its sockets is live (the fleet must make room for
  // it while B still runs: a timeout here fails the test), SIGTERM to B (graceful drain, leases released).
  const b2 = startReplica('B2');
  await until(() => liveOf(b2) >= 1, 20_000, 'B2 live while B still runs');
  const b2LiveAt = Math.min(...[...b2.conns].map((id) => liveAt.get(id)!));
  expect(running()).toContain(b);
  b.child.kill('SIGTERM');
  const sigtermAt = Date.now();
  expect(await b.exited, b.stderr).toBe(0);
  expect(b.lines.some((l) => l.ev === 'stopped')).toBe(true);
  await waitSettled('after the rolling restart');

  // --- The tail: traffic a little longer on the settled fleet, then stop and let Slack's redeliveries finish.
  const acksSettled = sim.acks.length;
  await until(() => sim.acks.length >= acksSettled + 30, 10_000, 'more traffic');
  await traffic.stop();

  // --- Counts.
  const acked = ackedIds();
  const lateAcks = new Set(sim.acks.filter((x) => !x.duplicate && x.late).map((x) => x.envelope_id));
  const twice = handledTwice();
  const lost = events.filter((id) => !eventAcked().has(id));
  // Slash commands: not acked, or acked after Slack's 3 s (the user saw an error).
  const failed = slashes.filter((id) => !acked.has(id) || lateAcks.has(id));
  // A's in-flight slash commands: delivered and unacked at the kill, and those Slack routed into A's sockets after it,
  // before it saw them close (a dead process's FIN takes a moment; Slack's routing does the same).
  const routedToDead = sim.deliveries.filter((d) => a.conns.has(d.connectionId) && d.sentAt >= killAt);
  const inFlightSlash = new Set(
    [...inFlightAtKill, ...routedToDead].filter((d) => d.type === 'slash_commands').map((d) => d.envelope_id),
  );
  const afterSettle = refusals.filter((t) => t >= settledAt && (t < halfOpenAt || t > halfOpenSettledAt));
  const report = {
    events: events.length,
    slashes: slashes.length,
    lost: lost.length,
    twice: twice.length,
    failed: failed.length,
    inFlightSlashAtKill: inFlightAtKill.filter((d) => d.type === 'slash_commands').length,
    slashRoutedToDeadA: routedToDead.filter((d) => d.type === 'slash_commands').length,
    ...w.m,
    refusals: refusals.length,
    refusalsAfterSettleOutsideHalfOpen: afterSettle.length,
    noLiveMs: sim.noLiveConnectionMs(),
  };
  console.log('fleet run', JSON.stringify(report));
  const t0 = settledAt;
  const why = failed.map((id) => {
    const d = sim.deliveries.filter((x) => x.envelope_id === id);
    const ack = sim.acks.find((x) => x.envelope_id === id);
    return {
      id,
      to: d.map((x) => `${x.connectionId}@${replicas.find((r) => r.conns.has(x.connectionId))?.name}+${x.sentAt - t0}`),
      ack: ack && { late: ack.late, on: ack.connectionId, lat: Math.round(ack.latencyMs) },
      lines: replicas.flatMap((r) => r.lines.filter((l) => l.id === id).map((l) => `${r.name}:${l.ev}+${l.at - t0}`)),
    };
  });
  if (why.length)
    console.log('failed', JSON.stringify(why), {
      halfOpenAt: halfOpenAt - t0,
      victim,
      kill: killAt - t0,
      b2LiveAt: b2LiveAt - t0,
      sigterm: sigtermAt - t0,
      bStop: b.lines.filter((l) => l.ev.startsWith('stop')).map((l) => `${l.ev}+${l.at - t0}`),
    });

  expect(events.length).toBeGreaterThan(50);
  expect(lost).toEqual([]);
  expect(twice).toEqual([]);
  expect(failed.filter((id) => !inFlightSlash.has(id))).toEqual([]); // hence failed ≤ in flight on A at the kill
  expect(w.m.maxHeld).toBeLessThanOrEqual(CAP);
  expect(w.m.maxLive).toBeLessThanOrEqual(CAP);
  expect(afterSettle).toEqual([]);
  expect(w.m.minLiveAfterUp).toBeGreaterThanOrEqual(1);
  expect(sim.noLiveConnectionMs()).toBe(0);
  // Every replica that ran to the end handled envelopes (the fleet spread them).
  for (const r of running())
    expect(
      r.lines.some((l) => l.ev === 'h'),
      r.name,
    ).toBe(true);
}, 60_000);

test('Redis stopped mid-run: every replica keeps its sockets and acks (fleet_error, dedupe_error), nothing lost; back: leases and dedupe shared again', async () => {
  const w = watchSim();
  const rs = ['A', 'B', 'C'].map(startReplica);
  await w.waitSettled('the fleet up');
  w.up();
  const traffic = startTraffic();
  await until(() => sim.acks.length >= 20, 10_000, 'traffic acked');

  await server.stop();
  const downAt = Date.now();
  await until(
    () => rs.every((r) => r.lines.some((l) => l.ev === 'error' && l.at >= downAt)),
    10_000,
    "each replica's error event",
  );
  // Acks go on while Redis is away: 60 more envelopes acked, none refused a socket, every replica still live.
  const acksDown = sim.acks.length;
  await until(() => sim.acks.length >= acksDown + 60, 10_000, 'acks while Redis is down');
  expect(rs.map((r) => w.liveOf(r) >= 1)).toEqual([true, true, true]);

  await server.start();
  const backAt = Date.now();
  await w.waitSettled('after Redis is back');
  // Shared again: an event handled after Redis came back, once its ack is marked in Redis, is a duplicate on
  // another replica's socket (Slack's redelivery of it there is acked, not handled).
  const admin = createClient({ url: server.url });
  admin.on('error', () => {});
  await admin.connect();
  try {
    let probe: { r: Replica; event_id: string } | undefined;
    await until(
      async () => {
        for (const r of rs)
          for (const l of r.lines)
            if (l.ev === 'a' && l.at > backAt + 500) {
              const h = r.lines.find((x) => x.ev === 'h' && x.id === l.id && x.event_id);
              if (h && (await admin.get(`sma:dedupe:event:${h.event_id}`)) === 'a')
                return Boolean((probe = { r, event_id: h.event_id! }));
            }
        return false;
      },
      10_000,
      'an event acked and marked in Redis after it came back',
    );
    const other = rs.find((r) => r !== probe!.r)!;
    const conn = [...other.conns].find((id) => w.states.get(id) === 'live')!;
    const env = traffic.envelopes.get(probe!.event_id)!;
    sim.sendEnvelope({ ...env, envelope_id: 'redelivered-copy', retry_attempt: 1 }, { connectionId: conn });
    await sim.waitForAck('redelivered-copy', 5000);
  } finally {
    await admin.quit().catch(() => {});
  }
  await traffic.stop();

  const acked = ackedIds();
  const errors = rs.map((r) => [...new Set(r.lines.filter((l) => l.ev === 'error').map((l) => l.code))].sort());
  const warnings = rs.map((r) => r.lines.filter((l) => l.ev === 'warn' && l.at >= downAt).map((l) => l.text!));
  const report = {
    events: traffic.events.length,
    slashes: traffic.slashes.length,
    errors,
    warnings: warnings.map((x) => x.length),
    ...w.m,
    refusals: w.refusals.length,
  };
  console.log('redis-down run', JSON.stringify(report));
  expect(traffic.events.filter((id) => !eventAcked().has(id))).toEqual([]); // nothing lost
  expect(traffic.slashes.filter((id) => !acked.has(id))).toEqual([]); // no slash command failed
  expect(handledTwice()).toEqual([]);
  expect(rs.flatMap((r) => r.lines.filter((l) => l.id === 'redelivered-copy' && l.ev === 'h'))).toEqual([]);
  // Typed errors, as the replicas' `error` listeners saw them: the leases' and the shared store's.
  for (const codes of errors) expect(codes).toEqual(['dedupe_error', 'fleet_error']);
  for (const r of rs) expect(r.stderr).not.toContain(sim.appToken);
  expect(w.refusals).toEqual([]);
  expect(w.m.maxHeld).toBeLessThanOrEqual(CAP);
  expect(sim.noLiveConnectionMs()).toBe(0);
}, 60_000);
