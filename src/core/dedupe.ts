// Dedupe: Slack redelivers an events_api envelope (same payload.event_id) when an ack was late, possibly on
// another connection; and during a make-before-break swap one envelope can be seen on two sockets (same
// envelope_id). User code should see each once; Slack still gets its ack.
//
// Slack's redelivery schedule (PROTOCOL.md 4): at once, +1 min, +5 min after the first miss, so a key must be
// remembered for at least ~6 minutes. Both stores default to 15 minutes.

/** Pluggable store. `seen(key)` records `key` and answers whether it had been recorded before. */
export interface DedupeStore {
  /** Records `key`; true if it was already recorded (within the store's TTL). */
  seen(key: string): boolean | Promise<boolean>;
  /**
   * Optional: un-record `key`. The client calls it for an envelope it dropped before any handler saw it (e.g.
   * queued when disconnect() ran), so Slack's redelivery is handled instead of swallowed.
   */
  forget?(key: string): void | Promise<void>;
}

/** Default time a key is remembered: comfortably past Slack's last retry (~6 min after the first delivery). */
export const DEFAULT_DEDUPE_TTL_MS = 15 * 60_000;

export interface MemoryDedupeOptions {
  /** How long a key is remembered. Default 15 min (Slack's last retry comes ~5 min after the first). */
  ttlMs?: number;
  /**
   * Bound on remembered keys; the oldest half goes first when it is reached, so at least the newest
   * `maxEntries / 2` are always known. Default 50000: the client records one key per envelope (the event_id of an
   * events_api envelope, else the envelope_id), so Slack's ~6 minute redelivery window is covered up to ~69
   * envelopes/s sustained, at ~100 bytes a key (~5 MB when full).
   */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** One generation of keys: insertion times (relative to the store's epoch) by key, per namespace. */
interface Generation {
  readonly envelopes: Map<string, number>;
  readonly events: Map<string, number>;
  readonly others: Map<string, number>;
  readonly startedAt: number;
  size: number;
}

const generation = (startedAt: number): Generation => ({
  envelopes: new Map(),
  events: new Map(),
  others: new Map(),
  startedAt,
  size: 0,
});

type Namespace = 'envelopes' | 'events' | 'others';

/**
 * Bounded in-memory store: no timers (expiry is checked lazily), so it is safe in any runtime.
 *
 * Two generations of maps: keys are added to the current one; a lookup asks both. When the current generation
 * is a TTL old (everything older is expired) or holds half the bound, the previous one is dropped whole and
 * the current one takes its place. So nothing is ever deleted key by key (V8 Maps keep deleted slots until
 * they rehash) and the per-key cost is two lookups and a set. Each key keeps its own time, so TTL is exact.
 * Envelope and event ids get maps of their own, so the client's path builds no `envelope:`/`event:` strings.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private readonly half: number;
  private readonly now: () => number;
  // Times are stored relative to this, so they stay small integers (no boxed number per key).
  private readonly epoch: number;
  private cur: Generation;
  private prev: Generation;

  constructor(opts: MemoryDedupeOptions = {}) {
    this.ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_DEDUPE_TTL_MS);
    this.half = Math.ceil(Math.max(1, opts.maxEntries ?? 50_000) / 2);
    this.now = opts.now ?? Date.now;
    this.epoch = this.now();
    this.cur = generation(0);
    this.prev = generation(0);
  }

  get size(): number {
    return this.cur.size + this.prev.size;
  }

  seen(key: string): boolean {
    const now = this.now() - this.epoch;
    if (key.startsWith('envelope:')) return this.record('envelopes', key.slice(9), now);
    if (key.startsWith('event:')) return this.record('events', key.slice(6), now);
    return this.record('others', key, now);
  }

  forget(key: string): void {
    let ns: Namespace = 'others';
    if (key.startsWith('envelope:')) [ns, key] = ['envelopes', key.slice(9)];
    else if (key.startsWith('event:')) [ns, key] = ['events', key.slice(6)];
    if (this.cur[ns].delete(key)) this.cur.size--;
    if (this.prev[ns].delete(key)) this.prev.size--;
  }

  /** `seen('envelope:<id>')` without building the key. */
  seenEnvelope(envelopeId: string): boolean {
    return this.record('envelopes', envelopeId, this.now() - this.epoch);
  }

  /** `seen('event:<id>')` without building the key. */
  seenEvent(eventId: string): boolean {
    return this.record('events', eventId, this.now() - this.epoch);
  }

  private record(ns: Namespace, key: string, now: number): boolean {
    // The previous generation only holds keys older than the current one's start: all expired by now.
    if (now - this.cur.startedAt >= this.ttlMs) this.rotate(now);
    const cur = this.cur[ns];
    const inCur = cur.get(key);
    const at = inCur ?? this.prev[ns].get(key);
    if (at !== undefined && now - at < this.ttlMs) return true;
    cur.set(key, now);
    if (inCur === undefined && ++this.cur.size >= this.half) this.rotate(now);
    return false;
  }

  private rotate(now: number): void {
    this.prev = this.cur;
    this.cur = generation(now);
  }
}

/**
 * The subset of Cloudflare's `DurableObjectStorage` (`ctx.storage`) the Durable Object store uses. Declared
 * here so the core needs no `@cloudflare/*` types; the real object (KV or SQLite backed) satisfies it.
 */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list(options: { prefix?: string; start?: string; end?: string; limit?: number }): Promise<Map<string, unknown>>;
}

export interface DurableObjectDedupeOptions {
  /** How long a key is remembered. Default 15 min. */
  ttlMs?: number;
  /** Storage key prefix. Default 'sma-dedupe:'. */
  prefix?: string;
  /** Run a prune (delete expired keys) after this many new keys. Default 100; 0 = only when prune() is called. */
  pruneEvery?: number;
  /** Clock, for tests. */
  now?: () => number;
}

// Durable Object storage limits: at most 128 keys per put/delete/get call.
const BATCH = 128;
// Timestamps as fixed-width decimal so lexicographic key order is time order.
const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/**
 * Dedupe keys persisted in Durable Object storage, so a redelivery is recognised across object restarts and
 * evictions. No alarms and no timers: each key is stored with its timestamp (`<prefix>k:<key>` -> ms) plus a
 * time-ordered index entry (`<prefix>t:<ms>:<key>`), and expired keys are deleted by a bounded prune that runs
 * every `pruneEvery` new keys (or when you call `prune()`, e.g. from your own alarm). An in-memory layer answers
 * repeats seen by this instance at once and closes the race of one envelope arriving on two sockets together.
 */
export class DurableObjectDedupeStore implements DedupeStore {
  private readonly storage: DurableObjectStorageLike;
  private readonly ttlMs: number;
  private readonly prefix: string;
  private readonly pruneEvery: number;
  private readonly now: () => number;
  private readonly local: MemoryDedupeStore;
  private sincePrune = 0;
  private pruning: Promise<number> | undefined;

  constructor(storage: DurableObjectStorageLike, opts: DurableObjectDedupeOptions = {}) {
    this.storage = storage;
    this.ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_DEDUPE_TTL_MS);
    this.prefix = opts.prefix ?? 'sma-dedupe:';
    this.pruneEvery = Math.max(0, opts.pruneEvery ?? 100);
    this.now = opts.now ?? (() => Date.now());
    this.local = new MemoryDedupeStore({ ttlMs: this.ttlMs, maxEntries: 10_000, now: this.now });
  }

  private k(key: string): string {
    return `${this.prefix}k:${key}`;
  }
  private t(at: number, key: string): string {
    return `${this.prefix}t:${pad(at)}:${key}`;
  }

  seen(key: string): boolean | Promise<boolean> {
    // Seen by this instance (or in flight right now): no storage round trip.
    if (this.local.seen(key)) return true;
    return this.check(key);
  }

  async forget(key: string): Promise<void> {
    this.local.forget(key);
    const at = await this.storage.get(this.k(key));
    await this.storage.delete(typeof at === 'number' ? [this.k(key), this.t(at, key)] : [this.k(key)]);
  }

  private async check(key: string): Promise<boolean> {
    const now = this.now();
    const at = await this.storage.get(this.k(key));
    if (typeof at === 'number' && now - at < this.ttlMs) return true;
    const stale = typeof at === 'number' ? [this.t(at, key)] : [];
    await this.storage.put({ [this.k(key)]: now, [this.t(now, key)]: 1 });
    if (stale.length) await this.storage.delete(stale);
    if (this.pruneEvery > 0 && ++this.sincePrune >= this.pruneEvery) {
      this.sincePrune = 0;
      void this.prune().catch(() => undefined);
    }
    return false;
  }

  /** Deletes expired keys (batches of 128). Resolves with how many keys were forgotten. */
  prune(): Promise<number> {
    this.pruning ??= this.pruneNow().finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async pruneNow(): Promise<number> {
    const index = `${this.prefix}t:`;
    const end = `${index}${pad(this.now() - this.ttlMs)}`;
    let forgotten = 0;
    for (;;) {
      const batch = await this.storage.list({ prefix: index, end, limit: BATCH / 2 });
      if (batch.size === 0) return forgotten;
      const keys: string[] = [];
      for (const ik of batch.keys()) {
        // <prefix>t:<15 digits>:<key>
        const key = ik.slice(index.length + 16);
        keys.push(ik, this.k(key));
      }
      await this.storage.delete(keys);
      forgotten += batch.size;
      if (batch.size < BATCH / 2) return forgotten;
    }
  }
}

/** `durableObjectDedupeStore(ctx.storage, { ttlMs })`: a DedupeStore backed by Durable Object storage. */
export function durableObjectDedupeStore(
  storage: DurableObjectStorageLike,
  opts: DurableObjectDedupeOptions = {},
): DurableObjectDedupeStore {
  return new DurableObjectDedupeStore(storage, opts);
}
