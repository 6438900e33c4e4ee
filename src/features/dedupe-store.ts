// Dedupe stores. Slack redelivers an events_api envelope (same payload.event_id) when an ack was late, possibly on
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
  /**
   * Optional: `key`'s envelope was acked (its first ack attempt was made). A shared store (redisDedupeStore) needs it
   * to tell an acked key, remembered for its full TTL, from a claim whose replica died before acking, which a
   * redelivery may take over. Stores without it cost nothing per ack.
   */
  acked?(key: string): void | Promise<void>;
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

/**
 * One generation of keys as 64-bit fingerprints in an open-addressing table of typed arrays: no key string is
 * retained, so a full store costs the garbage collector nothing per envelope (50,000 retained id strings did).
 */
class FingerprintTable {
  size = 0;
  declare private hi: Int32Array;
  declare private lo: Int32Array;
  /** Insertion time per slot (ms since the store's epoch); -Infinity = forgotten. */
  declare private at: Float64Array;
  declare private mask: number;
  declare private readonly maxSlots: number;

  constructor(maxKeys: number) {
    // Load factor <= 1/2 once full.
    this.maxSlots = 2 ** Math.ceil(Math.log2(Math.max(16, maxKeys * 2)));
    this.alloc(16);
  }

  /** Empty arrays of `n` slots (a power of 2). */
  private alloc(n: number): void {
    this.hi = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.at = new Float64Array(n);
    this.mask = n - 1;
  }

  /** Slot holding (hi, lo), else the bitwise complement of the free slot where it would go. */
  find(hi: number, lo: number): number {
    let i = hi & this.mask;
    // lo always has its low bit set, so 0 marks an empty slot.
    while (this.lo[i] !== 0) {
      if (this.lo[i] === lo && this.hi[i] === hi) return i;
      i = (i + 1) & this.mask;
    }
    return ~i;
  }

  time(i: number): number {
    return this.at[i]!;
  }

  setTime(i: number, t: number): void {
    this.at[i] = t;
  }

  insert(free: number, hi: number, lo: number, t: number): void {
    this.hi[free] = hi;
    this.lo[free] = lo;
    this.at[free] = t;
    if (++this.size * 2 > this.lo.length && this.lo.length < this.maxSlots) this.grow();
  }

  clear(): void {
    this.lo.fill(0);
    this.size = 0;
  }

  private grow(): void {
    const { hi, lo, at } = this;
    this.alloc(lo.length * 2);
    for (let i = 0; i < lo.length; i++) {
      if (lo[i] === 0) continue;
      const j = ~this.find(hi[i]!, lo[i]!);
      this.hi[j] = hi[i]!;
      this.lo[j] = lo[i]!;
      this.at[j] = at[i]!;
    }
  }
}

// Namespaces seed the fingerprint, so `envelope:X` and `event:X` never collide.
const NS_ENVELOPE = 0x2545f491;
const NS_EVENT = 0x6c8e9cf5;
const NS_OTHER = 0x1b873593;

/**
 * Bounded in-memory store: no timers (expiry is checked lazily), so it is safe in any runtime.
 *
 * Keys are kept as 64-bit fingerprints (two 32-bit hashes of the key): two different ids are mistaken for each
 * other with a chance of about n / 2^63 per lookup (n = keys held), i.e. never in practice, and no id string is
 * retained. Two generations: keys go into the current table; a lookup asks both. When the current generation is
 * a TTL old (everything older is expired) or holds half the bound, the previous table is cleared and becomes the
 * current one, so nothing is deleted key by key and a full store allocates nothing. Each key keeps its own time,
 * so TTL is exact.
 */
/** A key's namespace and where its id starts: 'envelope:<id>' and 'event:<id>' match seenEnvelope's and seenEvent's. */
const split = (key: string): [number, number] =>
  key.startsWith('envelope:') ? [NS_ENVELOPE, 9] : key.startsWith('event:') ? [NS_EVENT, 6] : [NS_OTHER, 0];

export class MemoryDedupeStore implements DedupeStore {
  declare private readonly ttlMs: number;
  declare private readonly half: number;
  declare private readonly now: () => number;
  declare private readonly epoch: number;
  declare private cur: FingerprintTable;
  declare private prev: FingerprintTable;
  private curStartedAt = 0;
  // The fingerprint of the key being looked up (fields, so hashing allocates nothing).
  private hi = 0;
  private lo = 0;

  constructor(opts: MemoryDedupeOptions = {}) {
    this.ttlMs = Math.max(0, opts.ttlMs ?? DEFAULT_DEDUPE_TTL_MS);
    this.half = Math.ceil(Math.max(1, opts.maxEntries ?? 50_000) / 2);
    this.now = opts.now ?? Date.now;
    this.epoch = this.now();
    this.cur = new FingerprintTable(this.half);
    this.prev = new FingerprintTable(this.half);
  }

  /** Keys held (forgotten ones included until their generation is dropped). */
  get size(): number {
    return this.cur.size + this.prev.size;
  }

  seen(key: string): boolean {
    const [ns, from] = split(key);
    return this.record(ns, key, from, this.now() - this.epoch);
  }

  forget(key: string): void {
    const [ns, from] = split(key);
    this.fingerprint(ns, key, from);
    for (const t of [this.cur, this.prev]) {
      const i = t.find(this.hi, this.lo);
      if (i >= 0) t.setTime(i, -Infinity);
    }
  }

  /** `seen('envelope:<id>')` without building the key. */
  seenEnvelope(envelopeId: string): boolean {
    return this.record(NS_ENVELOPE, envelopeId, 0, this.now() - this.epoch);
  }

  /** `seen('event:<id>')` without building the key. */
  seenEvent(eventId: string): boolean {
    return this.record(NS_EVENT, eventId, 0, this.now() - this.epoch);
  }

  /** Records `key` (from character `from` on) in namespace `ns`; true if it was held and fresh. */
  private record(ns: number, key: string, from: number, now: number): boolean {
    // The previous generation only holds keys older than the current one's start: all expired by now.
    if (now - this.curStartedAt >= this.ttlMs) this.rotate(now);
    this.fingerprint(ns, key, from);
    const { hi, lo, cur } = this;
    const i = cur.find(hi, lo);
    if (i >= 0) {
      if (now - cur.time(i) < this.ttlMs) return true;
      cur.setTime(i, now); // expired or forgotten: recorded again in place
      return false;
    }
    const j = this.prev.find(hi, lo);
    if (j >= 0 && now - this.prev.time(j) < this.ttlMs) return true;
    cur.insert(~i, hi, lo, now);
    if (cur.size >= this.half) this.rotate(now);
    return false;
  }

  private rotate(now: number): void {
    const dropped = this.prev;
    dropped.clear();
    this.prev = this.cur;
    this.cur = dropped;
    this.curStartedAt = now;
  }

  /** Two independent 32-bit hashes of key[from..] seeded by the namespace (FNV-1a and a murmur-style mix). */
  private fingerprint(ns: number, key: string, from: number): void {
    let h1 = 0x811c9dc5 ^ ns;
    let h2 = ns;
    for (let k = from; k < key.length; k++) {
      const c = key.charCodeAt(k);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    // Final mixes: the table index comes from h1's low bits.
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
    this.hi = h1 | 0;
    this.lo = h2 | 1; // never 0: 0 marks an empty slot
  }
}

/**
 * An events_api envelope's event_id: what Slack keeps across redeliveries (each gets a new envelope_id). Taken from
 * a type and a payload, so the envelope frame, the handler's args (`body`) and the ack's envelope all give it.
 */
export function eventIdOf(type: string, payload: unknown): string | undefined {
  const id = type === 'events_api' ? (payload as { event_id?: unknown } | undefined)?.event_id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * One key per envelope: `event:<event_id>` catches both a redelivery and one envelope seen on two sockets (same
 * event_id too); envelopes without one (commands, interactions) go by `envelope:<envelope_id>`. Given the envelope
 * frame (its `payload`) or a handler's args (the same object as `body`).
 */
export function keyOf(env: { envelope_id: string; type: string; payload?: unknown; body?: unknown }): string {
  const id = eventIdOf(env.type, env.payload ?? env.body);
  return id !== undefined ? `event:${id}` : `envelope:${env.envelope_id}`;
}
