// redisDedupeStore: one dedupe store shared by every replica of an app, on Redis. At least once fleet-wide: a key
// is claimed before the handlers run, marked acked when the envelope is acked, and a claim never acked (its replica
// died mid-handler) is taken over by Slack's redelivery once it is older than Slack's ack deadline allows. A small
// in-memory store in front answers this replica's own duplicates without a round trip and carries dedupe while Redis
// is unreachable; every Redis call is bounded by a timeout, and a failure or timeout answers "not seen" (deliver).
import { MemoryDedupeStore, DEFAULT_DEDUPE_TTL_MS, type DedupeStore } from '../features/dedupe-store.ts';
import { DEDUPE_SCRIPT, DEDUPE_SCRIPT_SHA1 } from './dedupe-script.ts';

/** The keys and arguments of one script call, as node-redis (v4+) takes them. */
export interface RedisScriptArgs {
  keys: string[];
  arguments: string[];
}

/**
 * What the store needs of a Redis client: EVALSHA and EVAL, in node-redis's shape (a node-redis v4+ client is one
 * as it is). ioredis (and Bun's RedisClient, same shape): `ioredisScripts(redis)`. An HTTP Redis on an edge runtime,
 * e.g. `@upstash/redis` (untested here):
 * `{ evalSha: (sha, o) => redis.evalsha(sha, o.keys, o.arguments), eval: (s, o) => redis.eval(s, o.keys, o.arguments) }`.
 * A call fails with an error whose message contains NOSCRIPT when Redis lacks the script (the store then sends it).
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: RedisScriptArgs): Promise<unknown>;
  eval(script: string, options: RedisScriptArgs): Promise<unknown>;
}

/** The two ioredis methods the adapter calls. */
export interface IoredisLike {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** ioredis (or Bun's RedisClient) as a RedisScriptClient: `redisDedupeStore(ioredisScripts(new Redis(url)))`. */
export const ioredisScripts = (redis: IoredisLike): RedisScriptClient => ({
  evalSha: (sha1, o) => redis.evalsha(sha1, o.keys.length, ...o.keys, ...o.arguments),
  eval: (script, o) => redis.eval(script, o.keys.length, ...o.keys, ...o.arguments),
});

export interface RedisDedupeOptions {
  /**
   * Prefix of every key. Replicas of one app share it; apps sharing one Redis need one each.
   * @default 'sma:dedupe:'
   */
  prefix?: string;
  /**
   * How long a key is remembered (claimed or acked): past Slack's last retry (~6 min after the first delivery).
   * @default 900000 (15 min)
   */
  ttlMs?: number;
  /**
   * A claim not acked for this long may be taken over by another delivery of its key. Slack redelivers an event only
   * when no ack came within its 3 s deadline, while one envelope seen on two sockets arrives within milliseconds:
   * anything between tells the two apart (the margin covers delivery-time differences between replicas).
   * @default 2500
   */
  claimStaleMs?: number;
  /**
   * Bound on each Redis call. A call not answered by then counts as "not seen" (the envelope is delivered: at least
   * once), with a DedupeError; keep it well under Slack's 3 s ack deadline.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * After a failed call, Redis is left alone this long: dedupe is local (the in-memory store in front) meanwhile,
   * without a round trip, then Redis is tried again.
   * @default 1000
   */
  retryMs?: number;
  /**
   * Bound on the in-memory store in front (this replica's own keys) and on the keys acked while Redis was
   * unreachable, written to Redis when it answers again.
   * @default 50000
   */
  maxLocalEntries?: number;
}

/** Thrown (as a DedupeError's cause) when Redis did not answer within `timeoutMs`. */
export class RedisTimeoutError extends Error {
  override name = 'RedisTimeoutError';
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

/** The store redisDedupeStore returns: a DedupeStore with `acked`, and whether Redis is being left alone. */
export interface RedisDedupeStore extends DedupeStore {
  seen(key: string): boolean | Promise<boolean>;
  forget(key: string): void | Promise<void>;
  acked(key: string): void | Promise<void>;
  /** true from a failed Redis call until one succeeds again (meanwhile dedupe is mostly local: this replica only). */
  readonly degraded: boolean;
}

/**
 * A dedupe store shared through Redis by every replica of an app: `new SocketModeClient({ appToken, dedupe:
 * redisDedupeStore(redis) })`. One round trip (one EVALSHA) per envelope that this replica has not seen itself,
 * and one per acked envelope (node-redis pipelines it with the others in flight).
 */
export function redisDedupeStore(redis: RedisScriptClient, options: RedisDedupeOptions = {}): RedisDedupeStore {
  const prefix = options.prefix ?? 'sma:dedupe:';
  const ttl = String(Math.max(1, options.ttlMs ?? DEFAULT_DEDUPE_TTL_MS));
  const stale = String(Math.max(0, options.claimStaleMs ?? 2500));
  const timeoutMs = Math.max(1, options.timeoutMs ?? 500);
  const retryMs = Math.max(0, options.retryMs ?? 1000);
  const maxLocal = Math.max(1, options.maxLocalEntries ?? 50_000);
  const local = new MemoryDedupeStore({ ttlMs: Number(ttl), maxEntries: maxLocal });
  /** Redis is left alone until then (ms since the epoch); 0: in use. */
  let downUntil = 0;
  /** Keys acked while Redis was left alone, to write when it answers again. */
  let backlog: string[] = [];

  const script = async (op: string, key: string): Promise<unknown> => {
    const args = { keys: [prefix + key], arguments: [op, ttl, stale] };
    try {
      return await redis.evalSha(DEDUPE_SCRIPT_SHA1, args);
    } catch (e) {
      // First use on this Redis (or after SCRIPT FLUSH / a failover): EVAL loads the script.
      if (!String((e as { message?: unknown } | undefined)?.message ?? e).includes('NOSCRIPT')) throw e;
      return redis.eval(DEDUPE_SCRIPT, args);
    }
  };

  /** One script call, bounded by the timeout; a failure leaves Redis alone for `retryMs`. */
  const call = (op: string, key: string): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(timeoutMs)), timeoutMs);
    });
    return Promise.race([script(op, key), timeout]).then(
      (r) => {
        clearTimeout(timer);
        if (downUntil) recovered();
        return r;
      },
      (e: unknown) => {
        clearTimeout(timer);
        downUntil = Date.now() + retryMs;
        throw e;
      },
    );
  };

  const recovered = (): void => {
    downUntil = 0;
    const keys = backlog;
    backlog = [];
    // Best effort: a key that fails here only loses cross-replica dedupe of a late redelivery.
    for (const k of keys) call('a', k).catch(() => {});
  };

  /** Redis is left alone now: the local store answers. */
  const away = (): boolean => downUntil !== 0 && Date.now() < downUntil;

  return {
    get degraded() {
      return downUntil !== 0;
    },
    seen(key) {
      // This replica's own duplicate (two sockets, or a redelivery to the replica that has it): no round trip.
      if (local.seen(key)) return true;
      if (away()) return false;
      return call('s', key).then((r) => {
        if (Number(r) !== 1) return false;
        // Another replica's claim (or an ack): not this replica's to remember, or a take-over of that claim, once
        // stale, would be swallowed here.
        local.forget(key);
        return true;
      });
    },
    forget(key) {
      local.forget(key);
      // Skipped while Redis is away: the claim left there goes stale and a redelivery takes it over anyway.
      if (away()) return;
      return call('f', key).then(() => {});
    },
    acked(key) {
      // Kept for later rather than reported: a failing Redis is reported by the next `seen`, with what it costs.
      const later = (): void => {
        if (backlog.length < maxLocal) backlog.push(key);
      };
      if (away()) return later();
      return call('a', key).then(() => {}, later);
    },
  };
}
