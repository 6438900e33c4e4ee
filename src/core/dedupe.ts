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
   * Bound on remembered keys; the oldest go first. Default 50000: an events_api envelope uses two keys
   * (envelope and event), so this covers ~25000 events per TTL window (~28 events/s sustained) at ~100 bytes
   * a key (~5 MB when full).
   */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Bounded in-memory store: no timers (expiry is checked lazily), so it is safe in any runtime.
 *
 * Maps answer lookups; a ring of (map, key, time) in insertion order — which is time order — drives expiry and
 * eviction from its head. The ring grows to `maxEntries` slots and then stays that size, so a full store does
 * no allocation per key. The maps are never iterated: deleting a Map's oldest keys leaves holes at the front of
 * V8's table that every `keys().next()` would scan again (tens of µs per envelope once full). Envelope and
 * event ids get maps of their own, so the client's path builds no `envelope:`/`event:` key strings.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly envelopes = new Map<string, number>();
  private readonly events = new Map<string, number>();
  private readonly others = new Map<string, number>();
  private ringMaps: Array<Map<string, number> | undefined>;
  private ringKeys: Array<string | undefined>;
  private ringTimes: number[];
  private head = 0;
  private count = 0;

  constructor(opts: MemoryDedupeOptions = {}) {
    this.ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_DEDUPE_TTL_MS);
    this.maxEntries = Math.max(1, opts.maxEntries ?? 50_000);
    this.now = opts.now ?? Date.now;
    const cap = Math.min(64, this.maxEntries);
    this.ringMaps = new Array(cap);
    this.ringKeys = new Array(cap);
    this.ringTimes = new Array<number>(cap).fill(0);
  }

  get size(): number {
    return this.envelopes.size + this.events.size + this.others.size;
  }

  seen(key: string): boolean {
    const now = this.now();
    if (key.startsWith('envelope:')) return this.record(this.envelopes, key.slice(9), now);
    if (key.startsWith('event:')) return this.record(this.events, key.slice(6), now);
    return this.record(this.others, key, now);
  }

  forget(key: string): void {
    if (key.startsWith('envelope:')) this.envelopes.delete(key.slice(9));
    else if (key.startsWith('event:')) this.events.delete(key.slice(6));
    else this.others.delete(key);
  }

  /** `seen('envelope:<id>')` and, with an event id, `seen('event:<id>')`, both recorded: true if either was. */
  seenEnvelope(envelopeId: string, eventId: string | undefined): boolean {
    const now = this.now();
    const a = this.record(this.envelopes, envelopeId, now);
    return (eventId !== undefined && this.record(this.events, eventId, now)) || a;
  }

  private record(map: Map<string, number>, key: string, now: number): boolean {
    // Forget expired keys from the front: the first fresh entry ends the sweep.
    while (this.count > 0 && now - this.ringTimes[this.head]! >= this.ttlMs) this.shift();
    const at = map.get(key);
    if (at !== undefined && now - at < this.ttlMs) return true;
    map.set(key, now);
    // Every remembered key has a ring entry, so a ring of maxEntries slots bounds the store.
    if (this.count === this.ringKeys.length) {
      if (this.ringKeys.length < this.maxEntries) this.grow();
      else this.shift();
    }
    const i = (this.head + this.count) % this.ringKeys.length;
    this.ringMaps[i] = map;
    this.ringKeys[i] = key;
    this.ringTimes[i] = now;
    this.count++;
    return false;
  }

  /** Drops the ring's oldest entry, and its key unless the key was recorded again since. */
  private shift(): void {
    const h = this.head;
    const map = this.ringMaps[h]!;
    const key = this.ringKeys[h]!;
    if (map.get(key) === this.ringTimes[h]) map.delete(key);
    this.ringMaps[h] = undefined;
    this.ringKeys[h] = undefined;
    this.head = (h + 1) % this.ringKeys.length;
    this.count--;
  }

  private grow(): void {
    const cap = this.ringKeys.length;
    const next = Math.min(this.maxEntries, cap * 2);
    const maps = new Array<Map<string, number> | undefined>(next);
    const keys = new Array<string | undefined>(next);
    const times = new Array<number>(next).fill(0);
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % cap;
      maps[k] = this.ringMaps[from];
      keys[k] = this.ringKeys[from];
      times[k] = this.ringTimes[from]!;
    }
    this.ringMaps = maps;
    this.ringKeys = keys;
    this.ringTimes = times;
    this.head = 0;
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
