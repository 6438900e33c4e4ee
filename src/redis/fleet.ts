// redisFleet: the replicas of one app share Slack's socket cap (10 per app) as expiring leases in Redis, and a
// dedupe store. Each replica holds as many leases as it has sockets (open or being opened), never opens a socket
// its leases do not cover, renews them every `renewMs` (they expire after `leaseMs` if it dies), and keeps its fair
// share live: more slots when the fleet has room, fewer (each socket drained, then closed) when replicas join.
// The pool's size changes at run time through the core's own loop (slots, ensureAll, closeWhenDrained): nothing
// here is in the core, so the browser bundles do not carry it.
import { Backoff } from '../core/backoff.ts';
import { cancel, stopped } from '../core/context.ts';
import { DisconnectedError, InvalidOptionsError, SocketModeError, describe } from '../core/errors.ts';
import { emitError } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { closeWhenDrained } from '../core/retire.ts';
import { MAX_SLACK_CONNECTIONS, ensureAll } from '../core/slots.ts';
import { openConnectionUrl } from '../core/web-api.ts';
import {
  RedisTimeoutError,
  redisDedupeStore,
  type RedisDedupeOptions,
  type RedisDedupeStore,
  type RedisScriptClient,
} from './dedupe-store.ts';
import { FLEET_SCRIPT, FLEET_SCRIPT_SHA1 } from './fleet-script.ts';

export interface RedisFleetOptions {
  /**
   * The app's name in Redis: every replica of one app shares it.
   * @default the app id in `appToken` (`xapp-1-A0123…-…`); required with `openConnection` and no appToken
   */
  key?: string;
  /**
   * Prefix of the lease keys (`${prefix}{${key}}:m`, `:h`, `:w`, `:g`).
   * @default 'sma:fleet:'
   */
  prefix?: string;
  /**
   * Sockets for the whole fleet, 1–10: Slack's cap is 10 per app, shared with every other process using the app
   * (a developer's laptop too: give the fleet less then).
   * @default 10
   */
  budget?: number;
  /**
   * A lease not renewed for this long is free again: a replica that died without releasing its leases (SIGKILL,
   * a lost node) frees its share after at most this long.
   * @default 3000
   */
  leaseMs?: number;
  /**
   * Heartbeat: each replica renews its leases (one EVALSHA) this often, and sees joins and leaves at its next one.
   * @default 1000
   */
  renewMs?: number;
  /**
   * Bound on each lease call. A call not answered by then counts as failed: the replica keeps its sockets and does
   * not grow until Redis answers again.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * The shared dedupe store (redisDedupeStore on the same Redis client): its options, or false for none (the
   * client's own `dedupe` option then applies).
   * @default {}
   */
  dedupe?: RedisDedupeOptions | false;
  /**
   * This replica's member id in Redis.
   * @default a random id
   */
  id?: string;
}

/** What one replica holds in the fleet now. */
export interface FleetStatus {
  /** Its member id in Redis. */
  id: string;
  /** Leases it holds (sockets open or being opened; one more while a socket is replaced make-before-break). */
  leases: number;
  /** Its fair share: the sockets it keeps live (its pool size now). */
  share: number;
  /** Replicas counted at its last heartbeat. */
  replicas: number;
  /** Redis did not answer its last heartbeat: it keeps its sockets and does not grow. */
  degraded: boolean;
}

/** The value of SocketModeClient's `fleet` option: a feature (one client each) and the shared dedupe store. */
export interface RedisFleet extends Feature {
  readonly dedupe: RedisDedupeStore | undefined;
  status(): FleetStatus;
}

/** The fleet's leases could not be renewed (Redis unreachable or too slow), or no lease freed up for a socket. */
export class FleetError extends SocketModeError {
  override name = 'FleetError';
  constructor(message: string, cause?: unknown) {
    super('fleet_error', message, cause === undefined ? undefined : { cause });
  }
}

/** `xapp-1-A0123ABC-…` → `A0123ABC`. */
const appIdOf = (token: string | undefined): string | undefined => /^xapp-\d+-([A-Z0-9]+)-/.exec(token ?? '')?.[1];

const ms = (v: number | undefined, d: number, name: string): number => {
  if (v === undefined) return d;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new InvalidOptionsError(`${name} must be > 0`);
  return v;
};

/**
 * One replica's share of the app's socket budget, leased through Redis, with a shared dedupe store:
 * `new SocketModeClient({ appToken, connections: 4, fleet: redisFleet(redis) })`. `redis` is a node-redis v4+
 * client as it is, or `ioredisScripts(ioredis)`.
 */
export function redisFleet(redis: RedisScriptClient, options: RedisFleetOptions = {}): RedisFleet {
  const budget = options.budget ?? MAX_SLACK_CONNECTIONS;
  if (!Number.isInteger(budget) || budget < 1 || budget > MAX_SLACK_CONNECTIONS)
    throw new InvalidOptionsError('redisFleet budget must be an integer from 1 to 10');
  const leaseMs = ms(options.leaseMs, 3000, 'redisFleet leaseMs');
  const renewMs = ms(options.renewMs, 1000, 'redisFleet renewMs');
  const timeoutMs = ms(options.timeoutMs, 500, 'redisFleet timeoutMs');
  if (renewMs >= leaseMs) throw new InvalidOptionsError('redisFleet renewMs must be shorter than leaseMs');
  const prefix = options.prefix ?? 'sma:fleet:';
  const id = options.id ?? `r${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
  const store = options.dedupe === false ? undefined : redisDedupeStore(redis, options.dedupe);
  let leases = 0;
  let share = 0;
  let replicas = 0;
  let degraded = false;
  let used = false;

  const feature = defineFeature((c) => {
    if (used) throw new InvalidOptionsError('a redisFleet() value belongs to one client: make one per client');
    used = true;
    const key = options.key ?? appIdOf(c.opts.appToken);
    if (!key) throw new InvalidOptionsError('redisFleet needs `key` (the app id) when the client has no appToken');
    // One hash tag: a cluster keeps the four keys in one slot, as a script needs.
    const keys = ['m', 'h', 'w', 'g'].map((k) => `${prefix}{${key}}:${k}`);
    // Connections wanted: the pool feature (before this one) has set it. The pool starts at one slot: the rest
    // come as leases are granted.
    const wanted = c.poolSize;
    const core = c as { poolSize: number };
    core.poolSize = 1;
    let timer: ReturnType<typeof setInterval> | undefined;
    let busy: Promise<void> | undefined;
    let again = false;
    /** Sockets whose URL is being fetched after the lease check (not yet in c.conns). */
    let opening = 0;
    /** URL requests waiting for a lease. */
    let waiting = 0;
    let stopping = false;
    /** Resolves disconnect()'s wait for the last release (so an app that quits Redis next does not cut it off). */
    let released: (() => void) | undefined;
    const wakers = new Set<() => void>();
    const wake = (): void => {
      for (const w of wakers) w();
      wakers.clear();
    };
    const inUse = (): number => c.conns.size + opening;

    const script = async (args: { keys: string[]; arguments: string[] }): Promise<unknown> => {
      try {
        return await redis.evalSha(FLEET_SCRIPT_SHA1, args);
      } catch (e) {
        // First use on this Redis (or after SCRIPT FLUSH, a restart, a failover): EVAL loads the script.
        if (!String((e as { message?: unknown } | undefined)?.message ?? e).includes('NOSCRIPT')) throw e;
        return redis.eval(FLEET_SCRIPT, args);
      }
    };

    const call = (op: 'b' | 'r', n: number, grow: boolean): Promise<number[]> => {
      const args = [op, id, String(wanted), String(n), waiting ? '1' : '0', grow ? '1' : '0', String(leaseMs)];
      args.push(String(budget), leases > 0 ? '1' : '0');
      let t: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        script({ keys, arguments: args }),
        new Promise<never>((_, reject) => (t = setTimeout(() => reject(new RedisTimeoutError(timeoutMs)), timeoutMs))),
      ])
        .then((r) => (r as unknown[]).map(Number))
        .finally(() => clearTimeout(t));
    };

    /** Slots up to the share the leases cover; surplus slots retired (drained, then closed). */
    const apply = (): void => {
      if (stopped(c)) return;
      const goal = Math.min(share, leases);
      const slots = c.slots;
      while (slots.length < goal)
        slots.push({ index: slots.length, backoff: new Backoff(c.opts.backoff), attempts: 0 });
      while (slots.length > goal) {
        const s = slots[slots.length - 1]!;
        // A URL on its way would become a socket for a slot that no longer exists: retire it at the next beat.
        if (s.fetching) break;
        slots.pop();
        cancel(c, s.retryTimer);
        // The replacement being opened has delivered nothing; the live one goes once its envelopes are acked.
        void s.next?.close(1000, 'fleet share');
        if (s.current) closeWhenDrained(c, s.current, 'fleet share');
      }
      core.poolSize = slots.length;
      ensureAll(c);
    };

    const beatOnce = async (): Promise<void> => {
      const n = inUse();
      const releasing = stopping || c.runState === 'disconnected';
      let r: number[];
      try {
        r = await call(releasing ? 'r' : 'b', n, !stopped(c));
      } catch (e) {
        if (!degraded) {
          degraded = true;
          const msg = `fleet leases not renewed (${describe(e)}); keeping ${n} sockets, not growing`;
          emitError(c, new FleetError(msg, e));
        }
        // Stopping with Redis away: its leases expire on their own (leaseMs); no timer outlives the client.
        if (releasing) end();
        // Redis down from the start: one socket, as every replica is due one (at most `budget` replicas).
        else if (!leases) leases = share = 1;
        return wake();
      }
      if (degraded) {
        degraded = false;
        c.logger.warn(`fleet: Redis answers again; ${n} sockets held`);
      }
      if (!releasing) {
        [leases, share, replicas] = r as [number, number, number];
        apply();
      } else {
        leases = n;
        // Out once nothing is left (not if start() has begun a new run meanwhile).
        if (!n && (stopping || c.runState === 'disconnected')) end();
      }
      wake();
    };

    /** One heartbeat at a time; a request while one is in flight runs once more after it. */
    const beat = (): Promise<void> => {
      if (busy) {
        again = true;
        return busy;
      }
      const run = async (): Promise<void> => {
        do {
          again = false;
          await beatOnce();
        } while (again && timer);
      };
      return (busy = run().finally(() => (busy = undefined)));
    };

    /** Out of the fleet: every lease released (or given up on with the client stopped). */
    const end = (): void => {
      released?.();
      released = undefined;
      clearInterval(timer);
      timer = undefined;
      stopping = false;
      leases = share = 0;
      core.poolSize = 1;
    };

    // Every socket's URL goes through here: none is asked for unless a lease covers it.
    const open = c.opts.openConnection;
    c.opts.openConnection = async () => {
      const run = c.abort?.signal;
      stopping = false;
      if (!timer) {
        timer = setInterval(() => void beat(), renewMs);
        await beat();
      }
      // Bounded below the core's own deadline for a URL (openTimeoutMs): the slot then backs off and retries.
      const until = Date.now() + c.settings.openTimeoutMs / 2;
      while (inUse() >= leases) {
        if (run?.aborted || stopped(c)) throw new DisconnectedError();
        if (Date.now() > until)
          throw new FleetError(`no free lease in the fleet's budget of ${budget} sockets; ${leases} held here`);
        // A socket presumed dead (no pong) holds a lease for nothing: let it go, as the pool does at Slack's cap.
        for (const x of c.conns) if (x.dead && x.state === 'live') void x.close(1000, 'pong timeout');
        waiting++;
        void beat();
        await new Promise<void>((resolve) => {
          wakers.add(resolve);
          setTimeout(resolve, renewMs);
        });
        waiting--;
      }
      opening++;
      try {
        return await (open ? open() : openConnectionUrl({ ...c.opts, signal: run }));
      } finally {
        opening--;
      }
    };

    return {
      // A socket closed: its lease goes back at once (a shrink, the end of a swap, the last one of a disconnect()).
      observe(type) {
        if (type === '#closed' && timer) void beat();
      },
      // After the drain of disconnect() (or on a fatal error): the leases go as the sockets close.
      stopping() {
        stopping = true;
        if (!timer) return;
        void beat();
        // Each Redis call is bounded by timeoutMs, and a failed release ends too: this settles.
        return new Promise<void>((resolve) => (released = resolve));
      },
    };
  });

  return Object.assign(feature, {
    dedupe: store,
    status: (): FleetStatus => ({ id, leases, share, replicas, degraded }),
  });
}
