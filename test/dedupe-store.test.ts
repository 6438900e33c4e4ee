// Dedupe stores (the client's dedupe behaviour is in test/dedupe.test.ts): the bounded in-memory default (TTL past Slack's redelivery window), and the Durable Object
// storage adapter, tested against an in-memory object implementing the DO storage subset (with its 128-key
// batch limit), as the client's `dedupe` across a restart over real sockets, and inside workerd (miniflare)
// against real Durable Object storage, across an object restart.
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, test } from 'vitest';
import {
  DedupeError,
  MemoryDedupeStore,
  durableObjectDedupeStore,
  type DurableObjectStorageLike,
  type SocketModeError,
} from '../src/index.ts';
import { DEFAULT_DEDUPE_TTL_MS } from '../src/features/dedupe-store.ts';
import { bundle } from './helpers/bundle.ts';
import { harness, until } from './helpers/client-harness.ts';

/** The DurableObjectStorage subset, in memory, with the real limits (128 keys per call, `end` exclusive). */
class FakeStorage implements DurableObjectStorageLike {
  readonly data = new Map<string, unknown>();
  readonly ops = { get: 0, put: 0, delete: 0, list: 0 };
  failing = false;
  async get(key: string): Promise<unknown> {
    this.ops.get++;
    if (this.failing) throw new Error('storage unavailable');
    return this.data.get(key);
  }
  async put(entries: Record<string, unknown>): Promise<void> {
    this.ops.put++;
    if (Object.keys(entries).length > 128) throw new Error('put: more than 128 keys');
    for (const [k, v] of Object.entries(entries)) this.data.set(k, v);
  }
  async delete(keys: string[]): Promise<number> {
    this.ops.delete++;
    if (keys.length > 128) throw new Error('delete: more than 128 keys');
    let n = 0;
    for (const k of keys) if (this.data.delete(k)) n++;
    return n;
  }
  async list(o: { prefix?: string; start?: string; end?: string; limit?: number }): Promise<Map<string, unknown>> {
    this.ops.list++;
    const keys = [...this.data.keys()]
      .filter(
        (k) =>
          (o.prefix === undefined || k.startsWith(o.prefix)) &&
          (o.start === undefined || k >= o.start) &&
          (o.end === undefined || k < o.end),
      )
      .sort();
    return new Map(keys.slice(0, o.limit ?? Infinity).map((k) => [k, this.data.get(k)]));
  }
}

describe('MemoryDedupeStore defaults', () => {
  test("TTL outlasts Slack's redelivery window (~6 min) and the bound holds", () => {
    expect(DEFAULT_DEDUPE_TTL_MS).toBeGreaterThanOrEqual(10 * 60_000);
    let now = 0;
    const s = new MemoryDedupeStore({ now: () => now });
    expect(s.seen('event:E1')).toBe(false);
    now += 6 * 60_000;
    expect(s.seen('event:E1')).toBe(true); // Slack's last retry
    for (let i = 0; i < 60_000; i++) s.seen(`k${i}`);
    expect(s.size).toBeLessThanOrEqual(50_000);
  });
});

describe('durableObjectDedupeStore (in-memory DO storage)', () => {
  test('remembers keys in storage: a fresh store object (object restarted) still knows them', async () => {
    const storage = new FakeStorage();
    const a = durableObjectDedupeStore(storage);
    expect(await a.seen('event:Ev1')).toBe(false);
    expect(await a.seen('event:Ev1')).toBe(true); // answered from memory
    expect(await a.seen('envelope:e-1')).toBe(false);
    const gets = storage.ops.get;
    const b = durableObjectDedupeStore(storage); // after eviction or a deploy
    expect(await b.seen('event:Ev1')).toBe(true);
    expect(await b.seen('envelope:e-1')).toBe(true);
    expect(await b.seen('event:Ev2')).toBe(false);
    expect(storage.ops.get).toBe(gets + 3);
  });

  test('the same key twice at once (one envelope on two sockets): exactly one "new"', async () => {
    const store = durableObjectDedupeStore(new FakeStorage());
    const answers = await Promise.all([store.seen('envelope:x'), store.seen('envelope:x'), store.seen('envelope:x')]);
    expect(answers.filter((x) => x === false)).toHaveLength(1);
  });

  test('TTL: an expired key is new again, and re-recording it leaves a single index entry', async () => {
    let now = 1_000_000;
    const storage = new FakeStorage();
    const store = durableObjectDedupeStore(storage, { ttlMs: 1000, now: () => now, pruneEvery: 0 });
    expect(await store.seen('k')).toBe(false);
    now += 1001;
    const fresh = durableObjectDedupeStore(storage, { ttlMs: 1000, now: () => now, pruneEvery: 0 });
    expect(await fresh.seen('k')).toBe(false);
    expect([...storage.data.keys()].filter((k) => k.includes(':t:'))).toHaveLength(1);
    expect(await fresh.seen('k')).toBe(true);
  });

  test('prune deletes expired keys in batches within the 128-key limit, keeps fresh ones', async () => {
    let now = 5_000_000;
    const storage = new FakeStorage();
    const store = durableObjectDedupeStore(storage, { ttlMs: 1000, now: () => now, pruneEvery: 0 });
    for (let i = 0; i < 300; i++) await store.seen(`old-${i}`);
    expect(storage.data.size).toBe(600); // key + index entry each
    now += 2000;
    await store.seen('fresh');
    expect(await store.prune()).toBe(300);
    expect([...storage.data.keys()].sort()).toEqual([
      `sma-dedupe:k:fresh`,
      `sma-dedupe:t:${String(now).padStart(15, '0')}:fresh`,
    ]);
    expect(await store.prune()).toBe(0);
  });

  test('prunes on its own every `pruneEvery` new keys', async () => {
    let now = 0;
    const storage = new FakeStorage();
    const store = durableObjectDedupeStore(storage, { ttlMs: 10, now: () => now, pruneEvery: 5 });
    for (let i = 0; i < 4; i++) await store.seen(`a${i}`);
    now += 100;
    await store.seen('a4'); // the 5th: triggers a prune of a0–a3
    await until(() => storage.data.size === 2, 'auto prune', 5000);
  });

  test("as the client's dedupe: a redelivery after a restart is acked but not delivered; a failing store delivers anyway", async () => {
    const h = await harness();
    try {
      const { sim } = h;
      const storage = new FakeStorage();
      const seenA: string[] = [];
      const a = h.client({ dedupe: durableObjectDedupeStore(storage) });
      a.on('slack_event', ({ ack, envelope_id }) => (seenA.push(envelope_id), ack()));
      await a.start();
      const env = sim.inject('app_mention');
      await sim.waitForAck(env.envelope_id, 5000);
      await a.disconnect();

      // The object restarts: a new client, a new store object, the same storage.
      const seenB: string[] = [];
      const errors: SocketModeError[] = [];
      const b = h.client({ dedupe: durableObjectDedupeStore(storage) });
      b.on('slack_event', ({ ack, envelope_id }) => (seenB.push(envelope_id), ack()));
      b.on('error', (e) => void errors.push(e));
      await b.start();
      sim.sendEnvelope({ ...env, envelope_id: 'redelivered-1', retry_attempt: 1, retry_reason: 'timeout' });
      await sim.waitForAck('redelivered-1', 5000);
      const next = sim.inject('message');
      await sim.waitForAck(next.envelope_id, 5000);
      expect(seenA).toEqual([env.envelope_id]);
      expect(seenB).toEqual([next.envelope_id]);

      storage.failing = true;
      const during = sim.inject('message');
      await sim.waitForAck(during.envelope_id, 5000);
      expect(seenB).toContain(during.envelope_id);
      expect(errors.some((e) => e instanceof DedupeError)).toBe(true);
    } finally {
      await h.cleanup();
    }
  });
});

describe('durableObjectDedupeStore inside workerd (miniflare, real Durable Object storage)', () => {
  let mf: Miniflare | undefined;
  afterAll(async () => {
    await mf?.dispose();
  });

  test('remembers across a new store object and an object restart; TTL and prune work on real storage', async () => {
    const script = await bundle('test/helpers/dedupe-do-worker.ts', 'dedupe-do-worker', 'workerd');
    const options = {
      modules: true,
      scriptPath: script,
      compatibilityDate: '2026-04-01',
      durableObjects: { DEDUPE: 'DedupeDO' },
    };
    mf = new Miniflare(options);
    const get = async (path: string): Promise<any> => (await mf!.dispatchFetch(`http://do.local${path}`)).json();

    expect(await get('/seen?key=event:Ev1')).toEqual({ seen: false });
    expect(await get('/seen?key=event:Ev1')).toEqual({ seen: true });
    await get('/forget-memory');
    expect(await get('/seen?key=event:Ev1')).toEqual({ seen: true });

    await mf.setOptions(options); // the object restarts (deploy, runtime update)
    expect(await get('/seen?key=event:Ev1')).toEqual({ seen: true });
    expect(await get('/seen?key=event:Ev2')).toEqual({ seen: false });

    // A short TTL: keys expire, and prune removes them from storage.
    expect(await get('/seen?key=short&ttl=150')).toEqual({ seen: false });
    await new Promise((r) => setTimeout(r, 300));
    await get('/forget-memory');
    expect((await get('/keys')).keys.some((k: string) => k.endsWith(':short'))).toBe(true);
    expect(await get('/prune?ttl=150')).toEqual({ forgotten: 3 }); // Ev1, Ev2 and short are all older than 150 ms
    expect((await get('/keys')).keys).toEqual([]);
  }, 60_000);
});

describe('MemoryDedupeStore', () => {
  test('remembers keys for ttl, bounded size', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ ttlMs: 1000, maxEntries: 3, now: () => now });
    expect(s.seen('a')).toBe(false);
    expect(s.seen('a')).toBe(true);
    now = 1500;
    expect(s.seen('a')).toBe(false); // expired
    s.seen('b');
    s.seen('c');
    s.seen('d');
    expect(s.size).toBeLessThanOrEqual(3);
    // The newest maxEntries/2 keys are always still known; the oldest went first.
    expect(s.seen('d')).toBe(true);
    expect(s.seen('c')).toBe(true);
    expect(s.seen('a')).toBe(false);
  });
  test('bound: never more than maxEntries keys, always at least the newest maxEntries/2', () => {
    const s = new MemoryDedupeStore({ ttlMs: 60_000, maxEntries: 101, now: () => 0 });
    for (let i = 0; i < 1000; i++) {
      expect(s.seen(`event:E${i}`)).toBe(false);
      expect(s.size).toBeLessThanOrEqual(101);
      for (let back = 0; back < 51 && back <= i; back += 10) expect(s.seen(`event:E${i - back}`)).toBe(true);
    }
  });
  test('TTL is exact per key across generations, and forget() un-records in either generation', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ ttlMs: 1000, maxEntries: 1000, now: () => now });
    s.seen('envelope:x');
    now = 600;
    s.seen('event:y');
    now = 1100; // the generation holding x rotates out of "current"; y is still fresh
    expect(s.seen('event:y')).toBe(true);
    expect(s.seen('envelope:x')).toBe(false);
    s.forget('envelope:x');
    expect(s.seen('envelope:x')).toBe(false);
    s.forget('event:y');
    expect(s.seen('event:y')).toBe(false);
    now = 1599;
    expect(s.seen('event:y')).toBe(true);
    now = 2100;
    expect(s.seen('event:y')).toBe(false);
  });
  test('fingerprints: 200,000 distinct ids are all new once and all known after; namespaces never mix', () => {
    const s = new MemoryDedupeStore({ ttlMs: 60_000, maxEntries: 500_000, now: () => 0 });
    const N = 200_000;
    // Ids shaped like Slack's (event ids, UUID-ish envelope ids), plus near-identical neighbours.
    const id = (i: number) =>
      i % 2
        ? `Ev0${i.toString(36).toUpperCase().padStart(8, '0')}`
        : `${i.toString(16).padStart(8, '0')}-86ba-4159-9c53-3009390c0401`;
    let falseHits = 0;
    for (let i = 0; i < N; i++) if (s.seenEvent(id(i))) falseHits++;
    expect(falseHits).toBe(0);
    let misses = 0;
    for (let i = 0; i < N; i++) if (!s.seen(`event:${id(i)}`)) misses++;
    expect(misses).toBe(0);
    expect(s.seenEnvelope(id(1))).toBe(false);
    expect(s.seen(id(3))).toBe(false);
    expect(s.seen(`envelope:${id(1)}`)).toBe(true);
    expect(s.seen('')).toBe(false);
    expect(s.seen('')).toBe(true);
  });
  test('default ttl is at least 10 minutes', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ now: () => now });
    s.seen('k');
    now = 10 * 60_000;
    expect(s.seen('k')).toBe(true);
  });
});
