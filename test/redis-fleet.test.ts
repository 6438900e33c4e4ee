// redisFleet against a real redis-server (started here on a loopback port, persistence off) and the simulator (which
// refuses an 11th socket with too_many_websockets, as Slack does): several SocketModeClients ("replicas") in one
// process, each with its own Redis connection, share one budget of 10 sockets as leases, and one dedupe store. One
// replica runs as a child process, to die by SIGKILL without releasing anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { MemoryDedupeStore, type SocketModeClient, type SocketModeError } from '../src/index.ts';
import { FleetError, ioredisScripts, redisFleet, type RedisFleet, type RedisFleetOptions } from '../src/redis/index.ts';
import { FLEET_SCRIPT, FLEET_SCRIPT_SHA1 } from '../src/redis/fleet-script.ts';
import { harness, type Harness } from './helpers/client-harness.ts';
import { until } from './helpers/wait.ts';
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts';
import { bundle, root } from './helpers/bundle.ts';

/** Short heartbeats so the tests run in seconds (the defaults are 3000 / 1000). */
const FAST = { leaseMs: 1500, renewMs: 300 } satisfies RedisFleetOptions;
const KEY = 'sma:fleet:{A111}:';

let server: RedisServer;
let h: Harness | undefined;
const conns: Array<{ destroy(): void }> = [];
const children: ChildProcess[] = [];
let admin: Awaited<ReturnType<typeof redis>>;

async function redis() {
  const c = createClient({ url: server.url, socket: { reconnectStrategy: () => 50, connectTimeout: 500 } });
  c.on('error', () => {}); // node-redis reports each failed reconnect here; the fleet reports what it costs
  await c.connect();
  conns.push(c);
  return c;
}

interface Replica {
  client: SocketModeClient;
  redis: Awaited<ReturnType<typeof redis>>;
  fleet: RedisFleet;
  errors: SocketModeError[];
  refused: number;
  handled: string[];
}

async function replica(connections = 4, o: RedisFleetOptions = {}): Promise<Replica> {
  const conn = await redis();
  const fleet = redisFleet(conn, { ...FAST, ...o });
  const client = h!.client({ connections, fleet });
  const r: Replica = { client, redis: conn, fleet, errors: [], refused: 0, handled: [] };
  client.on('error', (e) => void r.errors.push(e));
  client.on('too_many_websockets', () => void r.refused++);
  client.on('app_mention', async ({ ack, body }) => {
    r.handled.push(String((body as { event_id: string }).event_id));
    await ack();
  });
  return r;
}

/** The most sockets the simulator ever counted open for the app (its cap refuses the 11th). */
function watchOpen(): { max: number; off(): void } {
  const sim = h!.sim;
  const w = { max: 0, off: () => {} };
  w.off = sim.on('connection', () => {
    const n = sim.connections().filter((x) => x.state !== 'closed').length;
    if (n > w.max) w.max = n;
  });
  return w;
}

/** Every replica live on exactly its share, holding leases for exactly that, shares as given (any order). */
const settled = (rs: Replica[], shares: number[]): boolean => {
  const st = rs.map((r) => r.fleet.status());
  const ok = rs.every((r, i) => r.client.connectionCount === st[i]!.share && st[i]!.leases === st[i]!.share);
  const got = st.map((s) => s.share).sort();
  return ok && JSON.stringify(got) === JSON.stringify([...shares].sort());
};

const leasesInRedis = async (): Promise<Record<string, string>> => admin.hGetAll(`${KEY}h`);

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  await server.start();
  admin = await redis();
  await admin.flushAll();
});
afterEach(async () => {
  server.resume();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.cleanup();
  h = undefined;
  for (const c of conns.splice(0)) c.destroy();
});

test('the script constant is the SHA-1 of the script (EVALSHA finds it once loaded)', () => {
  expect(createHash('sha1').update(FLEET_SCRIPT).digest('hex')).toBe(FLEET_SCRIPT_SHA1);
});

test('options: a bad budget or timing is refused at once; one value per client; the fleet store replaces the default', async () => {
  const r = await redis();
  expect(() => redisFleet(r, { budget: 11 })).toThrow(/budget/);
  expect(() => redisFleet(r, { budget: 0 })).toThrow(/budget/);
  expect(() => redisFleet(r, { renewMs: 3000, leaseMs: 3000 })).toThrow(/renewMs/);
  expect(redisFleet(r, { dedupe: false }).dedupe).toBeUndefined();
  h = await harness();
  const fleet = redisFleet(r);
  expect(fleet.dedupe).toBeDefined();
  h.client({ fleet });
  expect(() => h!.client({ fleet })).toThrow(/one client/);
  // No app id in an openConnection-only client: the key must be given.
  expect(() => h!.client({ appToken: undefined, openConnection: async () => 'wss://x', fleet: redisFleet(r) })).toThrow(
    /key/,
  );
  // An explicit store wins over the fleet's: nothing reaches Redis's dedupe keys.
  await h.cleanup();
  h = await harness();
  const own = h.client({ fleet: redisFleet(r, FAST), dedupe: new MemoryDedupeStore() });
  let acked = 0;
  own.on('app_mention', async ({ ack }) => {
    await ack();
    acked++;
  });
  await own.start();
  h.sim.inject('app_mention');
  await until(() => acked === 1, 5000, 'handled');
  expect(await admin.keys('sma:dedupe:*')).toEqual([]);
  expect(await admin.keys('sma:fleet:*')).not.toEqual([]);
});

test('ioredisScripts() on a client of ioredis’s shape (Bun’s RedisClient, run by bun): two replicas settle, then release', async () => {
  h = await harness();
  const child = spawn(
    join(root, 'node_modules/.bin/bun'),
    ['test/helpers/redis-bun-fleet.ts', server.url, h.sim.appToken, h.sim.apiUrl],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise((r) => child.on('close', r));
  expect(code, err).toBe(0);
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  expect(r.running.map((x: { share: number; leases: number; live: number }) => [x.share, x.leases, x.live])).toEqual([
    [2, 2, 2],
    [2, 2, 2],
  ]);
  expect(r.after).toEqual([0, 0]);
  expect(await leasesInRedis()).toEqual({});
});

test('ioredis itself (ioredisScripts): two replicas settle 2/2, each event handled once fleet-wide, disconnect() releases', async () => {
  h = await harness();
  const rs = [0, 1].map(() => {
    const io = new IORedis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    conns.push({ destroy: () => io.disconnect() });
    const fleet = redisFleet(ioredisScripts(io), FAST);
    const client = h!.client({ connections: 2, fleet });
    const handled: string[] = [];
    client.on('app_mention', async ({ ack, body }) => {
      handled.push(String((body as { event_id: string }).event_id));
      await ack();
    });
    return { client, fleet, handled };
  });
  await Promise.all(rs.map((r) => r.client.start()));
  await until(
    () => rs.every((r) => r.client.connectionCount === 2 && r.fleet.status().leases === 2),
    15_000,
    'shares 2/2 on ioredis',
  );
  const sent = Array.from({ length: 10 }, () => h!.sim.inject('app_mention'));
  await until(() => sent.every((e) => h!.sim.acks.some((a) => a.envelope_id === e.envelope_id)), 10_000, 'acks');
  const handled = rs.flatMap((r) => r.handled);
  expect(handled).toHaveLength(10);
  expect(new Set(handled).size).toBe(10);
  await Promise.all(rs.map((r) => r.client.disconnect()));
  expect(await leasesInRedis()).toEqual({});
});

describe('one budget for the fleet', () => {
  test('3 replicas × connections 4, budget 10: shares 3/3/3 (+1 spare), each ≥ 1, never more than 10 sockets, no refusal', async () => {
    h = await harness();
    const open = watchOpen();
    const rs = [await replica(), await replica(), await replica()];
    await Promise.all(rs.map((r) => r.client.start()));
    await until(() => settled(rs, [3, 3, 3]), 15_000, 'shares 3/3/3');
    const held = await leasesInRedis();
    expect(Object.values(held).map(Number).sort()).toEqual([3, 3, 3]);
    expect(rs.map((r) => r.fleet.status().replicas)).toEqual([3, 3, 3]);
    // Traffic on the settled fleet: every event handled once, fleet-wide (the shared store), and acked.
    const sent = Array.from({ length: 30 }, () => h!.sim.inject('app_mention'));
    await until(() => sent.every((e) => h!.sim.acks.some((a) => a.envelope_id === e.envelope_id)), 10_000, 'acks');
    const handled = rs.flatMap((r) => r.handled);
    expect(handled).toHaveLength(30);
    expect(new Set(handled).size).toBe(30);
    // The fleet's store is the one in use: each event is marked acked in Redis (the write follows the ack).
    await until(
      async () => (await Promise.all(handled.map((id) => admin.get(`sma:dedupe:event:${id}`)))).every((v) => v === 'a'),
      5000,
      'acks marked in Redis',
    );
    expect(open.max).toBeLessThanOrEqual(10);
    expect(rs.map((r) => r.refused)).toEqual([0, 0, 0]);
    expect(rs.flatMap((r) => r.errors)).toEqual([]);
    open.off();
  });

  test('connections caps a share: 1 + 4 + 4 wanted, budget 10 → 1/4/4; budget 3 with 3 replicas → 1 each, no spare', async () => {
    h = await harness();
    const rs = [await replica(1), await replica(4), await replica(4)];
    await Promise.all(rs.map((r) => r.client.start()));
    await until(() => settled(rs, [1, 4, 4]), 15_000, 'shares 1/4/4');
    await h.cleanup();
    await admin.flushAll();
    h = await harness();
    const small = [await replica(4, { budget: 3 }), await replica(4, { budget: 3 }), await replica(4, { budget: 3 })];
    await Promise.all(small.map((r) => r.client.start()));
    await until(() => settled(small, [1, 1, 1]), 15_000, 'shares 1/1/1');
    expect(small.map((r) => r.refused)).toEqual([0, 0, 0]);
  });

  test('a replica joining takes the spare at once, the others shrink (drained) to make room; leaving: disconnect() releases after its drain and the others grow', async () => {
    h = await harness();
    const open = watchOpen();
    const [a, b] = [await replica(), await replica()];
    await Promise.all([a.client.start(), b.client.start()]);
    await until(() => settled([a, b], [4, 4]), 15_000, 'shares 4/4');
    // A third joins: 4 + 4 + the spare = 9 held; it gets its first socket from the spare, then 3/3/3.
    const before = new Set(
      h.sim
        .connections()
        .filter((x) => x.state === 'live')
        .map((x) => x.id),
    );
    const seq: Array<'new live' | 'old closed'> = [];
    const offSeq = h.sim.on('connection', (rec: { id: string; state: string }) => {
      if (rec.state === 'live' && !before.has(rec.id)) seq.push('new live');
      if (rec.state === 'closed' && before.has(rec.id)) seq.push('old closed');
    });
    const c = await replica();
    await c.client.start();
    await until(() => settled([a, b, c], [3, 3, 3]), 15_000, 'shares 3/3/3');
    offSeq();
    // The newcomer was live before A or B gave up a socket for it; each of them gave up exactly one.
    expect(seq[0]).toBe('new live');
    expect(seq.filter((x) => x === 'old closed')).toHaveLength(2);

    // C leaves while one of its envelopes is in a handler: its leases stay until that is acked and its sockets close.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inHandler = 0;
    c.client.off('app_mention');
    c.client.on('app_mention', async ({ ack }) => {
      inHandler++;
      await held;
      await ack();
    });
    const cIds = new Set(c.client.connectionIds);
    const simIds = h.sim.connections().filter((x) => x.state === 'live');
    // The simulator's ids are its own: find one of C's sockets by delivering until C's handler runs.
    let env: ReturnType<Harness['sim']['inject']> | undefined;
    for (const x of simIds) {
      env = h.sim.inject('app_mention', {}, { connectionId: x.id });
      await until(() => h!.sim.deliveries.some((d) => d.envelope_id === env!.envelope_id), 5000, 'delivery');
      await until(() => inHandler > 0 || h!.sim.acks.some((a) => a.envelope_id === env!.envelope_id), 5000, 'handled');
      if (inHandler) break;
    }
    expect(inHandler).toBe(1);
    expect(cIds.size).toBe(3);
    const stopped = c.client.disconnect({ timeoutMs: 10_000 });
    // Several heartbeats into the drain, C still holds its leases (and its sockets: Slack may route more there).
    const idC = c.fleet.status().id;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, FAST.renewMs));
      expect(Number((await leasesInRedis())[idC])).toBeGreaterThan(0);
    }
    expect(h.sim.acks.some((x) => x.envelope_id === env!.envelope_id)).toBe(false);
    release();
    await stopped;
    expect(h.sim.acks.some((x) => x.envelope_id === env!.envelope_id)).toBe(true);
    // disconnect() resolves once the release is in Redis: an app that drops its Redis client next cuts nothing off.
    c.redis.destroy();
    expect((await leasesInRedis())[idC]).toBeUndefined();
    expect(await admin.zScore(`${KEY}m`, idC)).toBeNull();
    await until(() => settled([a, b], [4, 4]), 15_000, 'A and B back to 4/4');
    expect(open.max).toBeLessThanOrEqual(10);
    expect([a, b, c].map((r) => r.refused)).toEqual([0, 0, 0]);
    open.off();
  });

  test('Slack refreshes every socket of a fleet at its budget: replacements share the one spare, never an 11th socket', async () => {
    h = await harness({ refreshWarningLeadMs: 300, refreshCloseDelayMs: 500 });
    const open = watchOpen();
    const rs = [await replica(), await replica(), await replica()];
    await Promise.all(rs.map((r) => r.client.start()));
    await until(() => settled(rs, [3, 3, 3]), 15_000, 'shares 3/3/3');
    const before = new Set(
      h.sim
        .connections()
        .filter((x) => x.state === 'live')
        .map((x) => x.id),
    );
    expect(before.size).toBe(9);
    h.sim.refresh({ warning: true });
    const sent = Array.from({ length: 20 }, () => h!.sim.inject('app_mention'));
    await until(
      () =>
        settled(rs, [3, 3, 3]) &&
        h!.sim.connections().filter((x) => x.state === 'live' && !before.has(x.id)).length === 9,
      30_000,
      'every socket replaced',
    );
    await until(() => sent.every((e) => h!.sim.acks.some((a) => a.envelope_id === e.envelope_id)), 15_000, 'acks');
    expect(open.max).toBeLessThanOrEqual(10);
    expect(rs.map((r) => r.refused)).toEqual([0, 0, 0]);
    open.off();
  });
});

test('the same with no spare (as many replicas as the budget): each replacement waits for its old socket to close', async () => {
  h = await harness({ refreshWarningLeadMs: 300, refreshCloseDelayMs: 500 });
  const open = watchOpen();
  const rs = [await replica(4, { budget: 3 }), await replica(4, { budget: 3 }), await replica(4, { budget: 3 })];
  await Promise.all(rs.map((r) => r.client.start()));
  await until(() => settled(rs, [1, 1, 1]), 15_000, 'shares 1/1/1');
  const before = new Set(
    h.sim
      .connections()
      .filter((x) => x.state === 'live')
      .map((x) => x.id),
  );
  h.sim.refresh({ warning: true });
  await until(
    () =>
      settled(rs, [1, 1, 1]) &&
      h!.sim.connections().filter((x) => x.state === 'live' && !before.has(x.id)).length === 3,
    30_000,
    'every socket replaced',
  );
  expect(open.max).toBe(3);
  expect(rs.flatMap((r) => r.errors)).toEqual([]);
  open.off();
});

test('a silently dead socket with no spare in the fleet: closed to free its lease, then replaced', async () => {
  h = await harness();
  const open = watchOpen();
  const rs = [await replica(4, { budget: 3 }), await replica(4, { budget: 3 }), await replica(4, { budget: 3 })];
  await Promise.all(rs.map((r) => r.client.start()));
  await until(() => settled(rs, [1, 1, 1]), 15_000, 'shares 1/1/1');
  const victim = h.sim.connections().find((x) => x.state === 'live')!.id;
  h.sim.silentDeath({ connectionId: victim, closeReaches: true });
  await until(
    () =>
      settled(rs, [1, 1, 1]) && h!.sim.connections().filter((x) => x.state === 'live' && x.id !== victim).length === 3,
    15_000,
    'the dead socket replaced',
  );
  expect(open.max).toBe(3);
  expect(rs.flatMap((r) => r.errors).filter((e) => e instanceof FleetError)).toEqual([]);
  open.off();
});

describe('replicas that die, and Redis going away', () => {
  test('a replica killed with SIGKILL never releases: its leases expire and the others grow into them', async () => {
    h = await harness();
    const sim = h.sim;
    const open = watchOpen();
    const [a, b] = [await replica(), await replica()];
    await Promise.all([a.client.start(), b.client.start()]);
    const script = await bundle('test/helpers/redis-fleet-child.ts', 'redis-fleet-child', 'node');
    const lines: Array<{ live?: number; status?: { share: number; leases: number; id: string } }> = [];
    const child = spawn(process.execPath, [script], {
      cwd: root,
      env: {
        ...process.env,
        REDIS_URL: server.url,
        APP_TOKEN: sim.appToken,
        API_URL: sim.apiUrl,
        CONNECTIONS: '4',
        LEASE_MS: String(FAST.leaseMs),
        RENEW_MS: String(FAST.renewMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p));
    });
    const lastStatus = () => lines.filter((l) => l.status).at(-1)?.status;
    const childSettled = (): boolean => {
      const s = lastStatus();
      return !!s && s.share === 3 && s.leases === 3;
    };
    await until(() => settled([a, b], [3, 3]) && childSettled(), 20_000, 'shares 3/3/3 with the child');
    const childId = lastStatus()!.id;
    expect(Number((await leasesInRedis())[childId])).toBe(3);
    child.kill('SIGKILL');
    // Its sockets close with the process; its leases stay in Redis until they expire, then the others grow.
    await until(async () => !(await leasesInRedis())[childId], 10_000, "the child's leases expired");
    await until(() => settled([a, b], [4, 4]), 15_000, 'A and B grow to 4/4');
    expect(open.max).toBeLessThanOrEqual(10);
    expect([a.refused, b.refused]).toEqual([0, 0]);
    open.off();
  });

  test('Redis stopped mid-run: sockets kept, acks go on, no growth, a FleetError each; back: leases re-registered, growth resumes', async () => {
    h = await harness();
    const open = watchOpen();
    const [a, b, c] = [await replica(), await replica(), await replica()];
    await Promise.all([a, b, c].map((r) => r.client.start()));
    await until(() => settled([a, b, c], [3, 3, 3]), 15_000, 'shares 3/3/3');
    await server.stop();
    await until(() => [a, b, c].every((r) => r.fleet.status().degraded), 10_000, 'every replica sees Redis gone');
    for (const r of [a, b, c]) {
      const e = r.errors.find((x) => x instanceof FleetError);
      expect(e?.code).toBe('fleet_error');
      expect(e?.message).not.toMatch(/xapp-|xoxb-/);
      expect(r.client.connectionCount).toBe(3);
    }
    // C leaves while Redis is away: its release fails (its leases would expire on their own); A and B do not grow
    // into its room, since nothing tells them it is free.
    await c.client.disconnect();
    const during = Array.from({ length: 10 }, () => h!.sim.inject('app_mention'));
    await until(() => during.every((e) => h!.sim.acks.some((x) => x.envelope_id === e.envelope_id)), 10_000, 'acks');
    const fleetErrors = [a, b].map((r) => r.errors.filter((x) => x instanceof FleetError).length);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, FAST.renewMs));
      expect([a, b].map((r) => r.client.connectionCount)).toEqual([3, 3]);
    }
    // One error per outage, not one per heartbeat.
    expect([a, b].map((r) => r.errors.filter((x) => x instanceof FleetError).length)).toEqual(fleetErrors);
    // Redis back, empty (no persistence): each replica registers what it holds, then they share C's room.
    await server.start();
    await until(() => !a.fleet.status().degraded && !b.fleet.status().degraded, 10_000, 'Redis answers again');
    await until(() => settled([a, b], [4, 4]), 15_000, 'shares 4/4');
    expect(Object.keys(await leasesInRedis()).sort()).toEqual([a.fleet.status().id, b.fleet.status().id].sort());
    expect(open.max).toBeLessThanOrEqual(10);
    expect([a, b, c].map((r) => r.refused)).toEqual([0, 0, 0]);
    open.off();
  });

  test('Redis hangs (SIGSTOP) longer than a lease: sockets kept and acks go on; on SIGCONT nobody grows into the "expired" leases', async () => {
    h = await harness();
    const open = watchOpen();
    const [a, b, c] = [await replica(), await replica(), await replica()];
    await Promise.all([a, b, c].map((r) => r.client.start()));
    await until(() => settled([a, b, c], [3, 3, 3]), 15_000, 'shares 3/3/3');
    server.pause();
    await until(() => [a, b, c].every((r) => r.fleet.status().degraded), 10_000, 'every replica sees Redis hang');
    const during = Array.from({ length: 10 }, () => h!.sim.inject('app_mention'));
    await until(() => during.every((e) => h!.sim.acks.some((x) => x.envelope_id === e.envelope_id)), 10_000, 'acks');
    // Past every lease's expiry in Redis's own clock: the first call after SIGCONT finds all of them expired.
    await new Promise((r) => setTimeout(r, FAST.leaseMs * 2));
    server.resume();
    await until(() => [a, b, c].every((r) => !r.fleet.status().degraded), 10_000, 'Redis answers again');
    await until(async () => Object.keys(await leasesInRedis()).length === 3, 10_000, 'all three re-registered');
    // Several heartbeats later: still 3/3/3, never an 11th socket.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, FAST.renewMs));
      expect(settled([a, b, c], [3, 3, 3])).toBe(true);
    }
    expect(open.max).toBeLessThanOrEqual(10);
    expect([a, b, c].map((r) => r.refused)).toEqual([0, 0, 0]);
    open.off();
  });
});
