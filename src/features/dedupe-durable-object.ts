// DurableObjectDedupeStore: dedupe keys in Durable Object storage, so a redelivery is recognised across object
// restarts and evictions.
import { DEFAULT_DEDUPE_TTL_MS, MemoryDedupeStore, type DedupeStore } from './dedupe-store.ts';

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
  declare private readonly storage: DurableObjectStorageLike;
  declare private readonly ttlMs: number;
  declare private readonly prefix: string;
  declare private readonly pruneEvery: number;
  private readonly now: () => number;
  declare private readonly local: MemoryDedupeStore;
  private sincePrune = 0;
  declare private pruning: Promise<number> | undefined;
  /** The last storage operation under way per key (see serial()). */
  private readonly inFlight = new Map<string, Promise<unknown>>();

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
    return this.serial(key, () => this.check(key));
  }

  forget(key: string): Promise<void> {
    this.local.forget(key);
    return this.serial(key, async () => {
      const at = await this.storage.get(this.k(key));
      await this.storage.delete(typeof at === 'number' ? [this.k(key), this.t(at, key)] : [this.k(key)]);
    });
  }

  /**
   * Storage calls for one key run one after another: a key recorded again right after it was forgotten (a handler
   * failed, another acked) must not read the old entry before the forget deletes it, and so never be written.
   */
  private serial<T>(key: string, op: () => Promise<T>): Promise<T> {
    const prev = this.inFlight.get(key);
    const run = prev ? prev.then(op) : op();
    const tail: Promise<unknown> = run.catch(() => undefined);
    this.inFlight.set(key, tail);
    void tail.then(() => {
      if (this.inFlight.get(key) === tail) this.inFlight.delete(key);
    });
    return run;
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
