// Dedupe: Slack redelivers an events_api envelope (same payload.event_id) when an ack was late, possibly on
// another connection. User code should see it once; Slack still gets its ack.

/** Pluggable store. `seen(key)` records `key` and answers whether it had been recorded before. */
export interface DedupeStore {
  seen(key: string): boolean | Promise<boolean>;
}

export interface MemoryDedupeOptions {
  /** How long a key is remembered. Default 15 min (Slack's last retry comes ~5 min after the first). */
  ttlMs?: number;
  /** Bound on remembered keys; the oldest go first. Default 10000. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Bounded in-memory store: no timers (expiry is checked lazily), so it is safe in any runtime. */
export class MemoryDedupeStore implements DedupeStore {
  private readonly map = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  constructor(opts: MemoryDedupeOptions = {}) {
    this.ttlMs = Math.max(0, opts.ttlMs ?? 15 * 60_000);
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.now = opts.now ?? (() => Date.now());
  }
  get size(): number {
    return this.map.size;
  }
  seen(key: string): boolean {
    const now = this.now();
    this.prune(now);
    const at = this.map.get(key);
    if (at !== undefined && now - at < this.ttlMs) return true;
    this.map.delete(key); // re-insert so Map order stays oldest-first
    this.map.set(key, now);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
    return false;
  }
  private prune(now: number): void {
    // Insertion order is time order, so stop at the first fresh entry.
    for (const [k, at] of this.map) {
      if (now - at < this.ttlMs) break;
      this.map.delete(k);
    }
  }
}
