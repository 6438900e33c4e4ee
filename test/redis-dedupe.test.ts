// redisDedupeStore against a real redis-server (started here on a loopback port, persistence off) and the
// simulator: several SocketModeClients ("replicas") in one process, each with its own Redis connection, share one
// dedupe store. At least once fleet-wide: one delivery per event, a failed handler's and a dead replica's events
// handled on redelivery, and Redis going away mid-run costs dedupe across replicas, never an ack or an event.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DedupeError, type SocketModeClient, type SocketModeError } from '../src/index.ts';
import {
  RedisTimeoutError,
  redisDedupeStore,
  type RedisDedupeOptions,
  type RedisDedupeStore,
} from '../src/redis/index.ts';
import { DEDUPE_SCRIPT, DEDUPE_SCRIPT_SHA1 } from '../src/redis/dedupe-script.ts';
import { delay, harness, type Harness } from './helpers/client-harness.ts';
import { until } from './helpers/wait.ts';
import { startRedisServer, type RedisServer } from './helpers/redis-server.ts';
import { bundle, root } from './helpers/bundle.ts';

let server: RedisServer;
const conns: Array<{ destroy(): void }> = [];
/** A connection for checking what Redis holds. */
let admin: Awaited<ReturnType<typeof redis>>;
let h: Harness | undefined;
const children: ChildProcess[] = [];

/** A node-redis connection of its own (one per replica, as separate processes would have). */
async function redis() {
  const c = createClient({ url: server.url, socket: { reconnectStrategy: () => 50, connectTimeout: 500 } });
  c.on('error', () => {}); // node-redis reports each failed reconnect here; the store reports what it costs
  await c.connect();
  conns.push(c);
  return c;
}

const store = async (o: RedisDedupeOptions = {}): Promise<RedisDedupeStore> => redisDedupeStore(await redis(), o);

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
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.cleanup();
  h = undefined;
  for (const c of conns.splice(0)) c.destroy();
});

test('the script constant is the SHA-1 of the script (EVALSHA finds it once loaded)', () => {
  expect(createHash('sha1').update(DEDUPE_SCRIPT).digest('hex')).toBe(DEDUPE_SCRIPT_SHA1);
});

describe('the store protocol on Redis', () => {
  test('claim, then acked: one claimer among replicas; keys are claimed then acked, each with the TTL', async () => {
    const [a, b, c] = [await store({ ttlMs: 60_000 }), await store({ ttlMs: 60_000 }), await store({ ttlMs: 60_000 })];
    // Three replicas claim one key at once: exactly one gets it.
    const answers = await Promise.all([a, b, c].map((s) => s.seen('event:E1')));
    expect(answers.filter((x) => x === false)).toHaveLength(1);
    const claimer = [a, b, c][answers.indexOf(false)]!;
    expect(await admin.get('sma:dedupe:event:E1')).toMatch(/^c:\d+$/);
    await claimer.acked('event:E1');
    expect(await admin.get('sma:dedupe:event:E1')).toBe('a');
    const pttl = await admin.pTTL('sma:dedupe:event:E1');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await Promise.all([a, b, c].map((s) => s.seen('event:E1')))).toEqual([true, true, true]);
  });

  test('a claim never acked is taken over once stale; an acked key never is', async () => {
    const [a, b] = [await store({ claimStaleMs: 1000 }), await store({ claimStaleMs: 1000 })];
    expect(await a.seen('event:acked')).toBe(false);
    await a.acked('event:acked');
    expect(await a.seen('event:dead')).toBe(false); // a's replica "dies" here: never acked
    // b asks until the dead claim is stale (bounded): fresh, it is a duplicate; stale, b takes it over, once.
    const answers: boolean[] = [];
    await until(
      async () => {
        const r = await b.seen('event:dead');
        answers.push(r);
        return r === false;
      },
      10_000,
      'the take-over',
    );
    expect(answers[0]).toBe(true);
    expect(answers.at(-1)).toBe(false);
    expect(answers.filter((x) => !x)).toHaveLength(1);
    // Older than the dead claim was when taken over, the acked key is still a duplicate for b; the take-over is
    // b's fresh claim now, a duplicate for a.
    expect(await b.seen('event:acked')).toBe(true);
    expect(await a.seen('event:dead')).toBe(true);
  });

  test('forget deletes a claim at once (the redelivery is handled), never an acked key', async () => {
    const [a, b] = [await store(), await store()];
    expect(await a.seen('envelope:X')).toBe(false);
    await a.forget('envelope:X');
    expect(await b.seen('envelope:X')).toBe(false);
    await b.acked('envelope:X');
    await a.forget('envelope:X'); // e.g. a late failing handler elsewhere
    expect(await a.seen('envelope:X')).toBe(true);
  });

  test('a Redis without the script (first use, SCRIPT FLUSH): loaded by EVAL, then found by EVALSHA', async () => {
    const a = await store();
    expect(await a.seen('event:1')).toBe(false);
    await admin.scriptFlush();
    expect(await admin.scriptExists(DEDUPE_SCRIPT_SHA1)).toEqual([0]);
    expect(await a.seen('event:2')).toBe(false);
    expect(await admin.scriptExists(DEDUPE_SCRIPT_SHA1)).toEqual([1]);
  });

  test('ioredisScripts() on a client of ioredis’s shape (Bun’s RedisClient, run by bun): one claimer, then acked', async () => {
    const child = spawn(join(root, 'node_modules/.bin/bun'), ['test/helpers/redis-bun-client.ts', server.url], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.on('close', r));
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    expect([...r.claims].sort()).toEqual([false, true]);
    expect(r.value).toBe('a');
    expect(r.again).toEqual([true, true]);
  });

  test('Redis not answering (CLIENT PAUSE): each call bounded by timeoutMs; local meanwhile; acks written after', async () => {
    const s = await store({ timeoutMs: 100, retryMs: 200 });
    expect(await s.seen('event:warm')).toBe(false); // the script is loaded
    await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
    await expect(s.seen('event:t1')).rejects.toBeInstanceOf(RedisTimeoutError);
    expect(s.degraded).toBe(true);
    // Left alone: answered at once from the in-memory store (this replica's keys).
    expect(s.seen('event:t2')).toBe(false);
    expect(s.seen('event:t2')).toBe(true);
    expect(s.acked('event:t2')).toBeUndefined(); // kept for later
    // Redis answers again after the pause: the store finds out on a call (bounded), then writes the kept ack.
    let probes = 0;
    await until(
      async () => {
        await Promise.resolve(s.seen(`event:probe-${probes++}`)).catch(() => true);
        return !s.degraded;
      },
      10_000,
      'Redis answering again',
    );
    await until(async () => (await admin.get('sma:dedupe:event:t2')) === 'a', 5000, 'the kept ack written');
    expect(await (await store()).seen('event:t2')).toBe(true);
  });

  test('the prefix separates apps sharing one Redis', async () => {
    const [a, b] = [await store({ prefix: 'app-a:' }), await store({ prefix: 'app-b:' })];
    expect(await a.seen('event:E')).toBe(false);
    expect(await b.seen('event:E')).toBe(false);
  });
});

describe('replicas sharing dedupe through Redis (simulator)', () => {
  interface Handled {
    replica: string;
    envelope_id: string;
    event_id: string;
    retry: number;
  }

  /** Replicas `names`, started one after the other so each one's simulator connection id is known. */
  async function fleet(
    names: string[],
    opts: RedisDedupeOptions = {},
    handler?: (replica: string, h: Handled, ack: () => Promise<void>) => Promise<void> | void,
  ) {
    const handled: Handled[] = [];
    const errors: Array<{ replica: string; err: SocketModeError }> = [];
    const replicas: Record<string, { client: SocketModeClient; store: RedisDedupeStore; conn: string }> = {};
    for (const name of names) {
      const s = await store(opts);
      const client = h!.client({ dedupe: s });
      client.on('error', (err: SocketModeError) => errors.push({ replica: name, err }));
      client.on('app_mention', async ({ ack, envelope_id, body, retry_num }) => {
        const rec = {
          replica: name,
          envelope_id,
          event_id: String((body as { event_id?: unknown }).event_id),
          retry: retry_num ?? 0,
        };
        handled.push(rec);
        if (handler) return handler(name, rec, ack);
        return ack();
      });
      const before = new Set(h!.sim.connections().map((c) => c.id));
      await client.start();
      await until(() => h!.sim.connections().some((c) => c.state === 'live' && !before.has(c.id)), 5000, 'hello');
      const conn = h!.sim.connections().find((c) => c.state === 'live' && !before.has(c.id))!.id;
      replicas[name] = { client, store: s, conn };
    }
    return { handled, errors, replicas };
  }

  const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);
  const eventIdOf = (env: { payload: unknown }) => String((env.payload as { event_id: string }).event_id);

  test('a redelivered event is handled once fleet-wide, acked by each replica it reached', async () => {
    h = await harness();
    const { handled, replicas } = await fleet(['A', 'B', 'C']);
    const env = h.sim.inject('app_mention', {}, { connectionId: replicas.A!.conn });
    await h.sim.waitForAck(env.envelope_id, 5000);
    // Slack's redeliveries: new envelope_ids, same event_id, on the other replicas' sockets.
    h.sim.sendEnvelope({ ...env, envelope_id: 'redelivery-B', retry_attempt: 1 }, { connectionId: replicas.B!.conn });
    h.sim.sendEnvelope({ ...env, envelope_id: 'redelivery-C', retry_attempt: 2 }, { connectionId: replicas.C!.conn });
    await until(() => acksFor('redelivery-B').length === 1 && acksFor('redelivery-C').length === 1, 5000, 'acks');
    expect(handled.map((x) => [x.replica, x.envelope_id])).toEqual([['A', env.envelope_id]]);
    expect(acksFor('redelivery-B')[0]!.connectionId).toBe(replicas.B!.conn);
  });

  test('one envelope on two replicas at once (make-before-break): handled once, acked on both', async () => {
    h = await harness();
    const { handled, replicas } = await fleet(['A', 'B']);
    // Ten envelopes, each sent to both replicas back to back: the claims race in Redis.
    const envs = Array.from({ length: 10 }, (_, i) =>
      h!.sim.inject('app_mention', { text: `m${i}` }, { connectionId: replicas.A!.conn }),
    );
    for (const env of envs) h.sim.sendEnvelope({ ...env }, { connectionId: replicas.B!.conn });
    await until(() => envs.every((e) => acksFor(e.envelope_id).length === 2), 5000, 'both acks of each');
    await delay(50);
    expect(handled.map((x) => x.envelope_id).sort()).toEqual(envs.map((e) => e.envelope_id).sort());
  });

  test('every handler failed before an ack: the redelivery is handled (by any replica)', async () => {
    h = await harness({ ackTimeoutMs: 1000, redeliveryDelaysMs: [0, 0] });
    let failures = 0;
    const { handled, errors, replicas } = await fleet(['A', 'B'], {}, (_name, _rec, ack) => {
      if (failures++ === 0) throw new Error('boom before the ack');
      return ack();
    });
    const env = h.sim.inject('app_mention', {}, { connectionId: replicas.A!.conn });
    await until(() => handled.length === 2, 10_000, 'the redelivery handled');
    await until(() => h!.sim.acks.some((a) => !a.duplicate && handled[1]!.envelope_id === a.envelope_id), 5000);
    expect(handled.map((x) => [x.event_id, x.retry])).toEqual([
      [eventIdOf(env), 0],
      [eventIdOf(env), 1],
    ]);
    expect(errors.filter((e) => e.err instanceof DedupeError)).toEqual([]);
    // Acked now: a further delivery of it is a duplicate everywhere.
    h.sim.sendEnvelope({ ...env, envelope_id: 'late-copy', retry_attempt: 2 }, { connectionId: replicas.B!.conn });
    await h.sim.waitForAck('late-copy', 5000);
    h.sim.sendEnvelope({ ...env, envelope_id: 'late-copy-2', retry_attempt: 2 }, { connectionId: replicas.A!.conn });
    await h.sim.waitForAck('late-copy-2', 5000);
    expect(handled).toHaveLength(2);
  });

  test('a replica that dies mid-handler: Slack’s redelivery of its event is handled by another replica', async () => {
    // Slack's 3 s ack deadline, scaled down: 1.5 s, and a claim is stale after 1 s.
    h = await harness({ ackTimeoutMs: 1500, redeliveryDelaysMs: [0, 0] });
    let stuck!: () => void;
    const { handled, replicas } = await fleet(['A', 'B'], { claimStaleMs: 1000 }, (name, _rec, ack) => {
      if (name === 'A') return new Promise<void>((r) => (stuck = r)); // hangs: A dies before acking
      return ack();
    });
    const env = h.sim.inject('app_mention', {}, { connectionId: replicas.A!.conn });
    await until(() => handled.length === 1, 5000, 'A handling it');
    await replicas.A!.client.disconnect({ timeoutMs: 0 }); // gone, without an ack (and nothing forgotten)
    await until(() => handled.length === 2, 10_000, "B handling Slack's redelivery");
    expect(handled.map((x) => [x.replica, x.event_id, x.retry])).toEqual([
      ['A', eventIdOf(env), 0],
      ['B', eventIdOf(env), 1],
    ]);
    await until(() => acksFor(handled[1]!.envelope_id).length === 1, 5000, 'B’s ack');
    expect(acksFor(env.envelope_id)).toEqual([]);
    stuck();
    // B acked it: remembered as acked, so another copy is a duplicate.
    h.sim.sendEnvelope({ ...env, envelope_id: 'copy', retry_attempt: 2 }, { connectionId: replicas.B!.conn });
    await h.sim.waitForAck('copy', 5000);
    expect(handled).toHaveLength(2);
  });

  test('Redis stopped mid-run: every envelope acked and handled (DedupeError, local dedupe); back: shared again', async () => {
    h = await harness();
    const { handled, errors, replicas } = await fleet(['A', 'B'], { timeoutMs: 200, retryMs: 300 });
    const send = (replica: string, n: number, tag: string) =>
      Array.from({ length: n }, (_, i) =>
        h!.sim.inject('app_mention', { text: `${tag}${i}` }, { connectionId: replicas[replica]!.conn }),
      );
    const before = send('A', 3, 'before');
    await until(() => before.every((e) => acksFor(e.envelope_id).length === 1), 5000, 'acks before');

    await server.stop();
    const during = [...send('A', 5, 'down-a'), ...send('B', 5, 'down-b')];
    await until(() => during.every((e) => acksFor(e.envelope_id).length === 1), 10_000, 'acks while Redis is down');
    // This replica's own duplicates are still caught (the in-memory store in front).
    h.sim.sendEnvelope(
      { ...during[0]!, envelope_id: 'dup-local', retry_attempt: 1 },
      { connectionId: replicas.A!.conn },
    );
    await h.sim.waitForAck('dup-local', 5000);
    const dedupeErrors = errors.filter((e) => e.err instanceof DedupeError);
    expect(dedupeErrors.length).toBeGreaterThan(0);
    expect(replicas.A!.store.degraded || replicas.B!.store.degraded).toBe(true);

    await server.start();
    // Back: the replicas use Redis again once their retry time is up (bounded wait on a real answer).
    const after = send('A', 1, 'after');
    await h.sim.waitForAck(after[0]!.envelope_id, 5000);
    await until(
      async () => {
        for (const r of ['A', 'B']) {
          const probe = h!.sim.inject('app_mention', {}, { connectionId: replicas[r]!.conn });
          await h!.sim.waitForAck(probe.envelope_id, 5000);
        }
        return !replicas.A!.store.degraded && !replicas.B!.store.degraded && (await admin.dbSize()) > 0;
      },
      10_000,
      'Redis in use again',
    );
    // Shared again: an event handled by A, redelivered to B, is a duplicate there; and so is one A acked while
    // Redis was away (written to Redis when it answered again).
    const shared = send('A', 1, 'shared')[0]!;
    await h.sim.waitForAck(shared.envelope_id, 5000);
    await until(async () => (await admin.get(`sma:dedupe:event:${eventIdOf(shared)}`)) === 'a', 5000, 'marked');
    h.sim.sendEnvelope({ ...shared, envelope_id: 'shared-B', retry_attempt: 1 }, { connectionId: replicas.B!.conn });
    await h.sim.waitForAck('shared-B', 5000);
    await until(async () => (await admin.get(`sma:dedupe:event:${eventIdOf(during[0]!)}`)) === 'a', 5000, 'backfill');
    h.sim.sendEnvelope({ ...during[0]!, envelope_id: 'down-B', retry_attempt: 1 }, { connectionId: replicas.B!.conn });
    await h.sim.waitForAck('down-B', 5000);
    await delay(50);

    // Nothing lost, nothing twice: every distinct event handled exactly once.
    const ids = handled.map((x) => x.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of [...before, ...during, ...after, shared]) expect(ids).toContain(eventIdOf(e));
    expect(h.sim.missedDeadlines()).toEqual([]);
    // Tokens never reach the errors.
    for (const { err } of dedupeErrors) expect(err.message).not.toMatch(/xapp-|xoxb-/);
  });
});

describe('replicas as processes', () => {
  test('kill -9 of a replica mid-handler: Slack’s redelivery of its event is handled by the other replica', async () => {
    h = await harness({ ackTimeoutMs: 1500, redeliveryDelaysMs: [0, 0] });
    const sim = h.sim;
    const script = await bundle('test/helpers/redis-replica-child.ts', 'redis-replica-child', 'node');
    const lines: Record<string, Array<Record<string, unknown>>> = { A: [], B: [] };
    const start = async (name: string, hang: boolean): Promise<{ child: ChildProcess; conn: string }> => {
      const before = new Set(sim.connections().map((c) => c.id));
      const child = spawn(process.execPath, [script], {
        cwd: root,
        env: {
          ...process.env,
          REDIS_URL: server.url,
          APP_TOKEN: sim.appToken,
          API_URL: sim.apiUrl,
          CLAIM_STALE_MS: '1000',
          REPLICA_HANG: hang ? '1' : '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop()!;
        for (const p of parts) if (p.startsWith('{')) lines[name]!.push(JSON.parse(p)); // not the client's log lines
      });
      await until(() => lines[name]!.some((l) => l.live), 15_000, `replica ${name} live`);
      const conn = sim.connections().find((c) => c.state === 'live' && !before.has(c.id))!.id;
      return { child, conn };
    };
    const a = await start('A', true);
    const b = await start('B', false);
    const env = sim.inject('app_mention', {}, { connectionId: a.conn });
    const eventId = String((env.payload as { event_id: string }).event_id);
    await until(() => lines.A!.some((l) => l.handled === eventId), 5000, 'A handling it');
    a.child.kill('SIGKILL');
    await until(() => lines.B!.some((l) => l.handled === eventId), 10_000, "B handling Slack's redelivery");
    const byB = lines.B!.find((l) => l.handled === eventId)!;
    expect(byB.retry).toBe(1);
    await until(() => sim.acks.some((x) => x.envelope_id === byB.envelope_id), 5000, 'B’s ack');
    expect(sim.acks.filter((x) => x.envelope_id === env.envelope_id)).toEqual([]);
    // Handled by A (which died) and B only, once each: and B's ack is remembered fleet-wide.
    expect(await admin.get(`sma:dedupe:event:${eventId}`)).toBe('a');
    expect([...lines.A!, ...lines.B!].filter((l) => l.handled === eventId)).toHaveLength(2);
  });
});
