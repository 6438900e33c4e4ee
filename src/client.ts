// The full SocketModeClient: the core client with the features a long-running bot wants, chosen from its
// options — a pool, dedupe of redeliveries, ping liveness and coalesced writes where the socket allows them,
// proactive refresh ahead of Slack's, ghost and ack-deadline warnings, and an optional handler bound.
import { CoreClient } from './core/client.ts';
import { defineFeature, type Feature } from './core/feature.ts';
import type { CoreOptions } from './core/options.ts';
import { deadlineWarnings } from './features/deadline.ts';
import { dedupe } from './features/dedupe.ts';
import type { DedupeStore } from './features/dedupe-store.ts';
import { ghostWarnings } from './features/ghosts.ts';
import { handlerBound, type HandlerBound, type HandlerBoundOptions } from './features/handler-bound.ts';
import { healthSignal, type HealthSignal } from './features/health-signal.ts';
import type { HealthOptions, HealthReport } from './core/health.ts';
import { pingLiveness, type LivenessOptions } from './features/liveness.ts';
import { pool } from './features/pool.ts';
import { proactiveRefresh } from './features/proactive-refresh.ts';

export interface SocketModeOptions extends CoreOptions, LivenessOptions, Partial<HandlerBoundOptions> {
  /**
   * Pool size: live connections to keep, 1–10. Slack routes each envelope to one of them; the client acks on the
   * connection it came on, and replaces connections one at a time (never more than n+1 sockets, and never more
   * than Slack's cap of 10).
   * @default `1`
   */
  connections?: number;
  /**
   * Warn when an envelope is not acked after this long (Slack's deadline is 3 s); 0 disables.
   * @default `2500`
   */
  ackDeadlineWarnMs?: number;
  /**
   * Suppress redeliveries (event_id) and repeated envelopes (envelope_id): a DedupeStore (in a Durable Object
   * `durableObjectDedupeStore(ctx.storage)`; shared by replicas `redisDedupeStore(redis)` from
   * `socket-mode-anywhere/redis`), or false.
   * @default `new MemoryDedupeStore()` (15 min, 50,000 keys)
   */
  dedupe?: DedupeStore | false;
  /**
   * Replace each connection make-before-break once this fraction of hello's `approximate_connection_time` has
   * passed, before Slack refreshes it. Slot i of n waits an extra 0.05·i/n of the time, so a pool does not
   * rotate all at once; false disables.
   * @default `0.85`
   */
  proactiveRefresh?: number | false;
  /**
   * Replicas of one app sharing Slack's socket cap and dedupe: `redisFleet(redis)` from `socket-mode-anywhere/redis`.
   * The replica keeps its fair share of the budget (at most `connections`), leased in Redis; its store replaces
   * the in-memory one unless `dedupe` is given. One value per client.
   * @default none (this process alone)
   */
  fleet?: Fleet;
}

/** What the `fleet` option takes: a feature that may bring a shared dedupe store. */
export interface Fleet extends Feature {
  readonly dedupe?: DedupeStore | undefined;
}

/** @slack/socket-mode option names, and what to use here instead. */
const OFFICIAL_OPTIONS: ReadonlyArray<[string, string]> = [
  ['clientOptions', 'use apiUrl and fetch'],
  ['clientPingTimeout', 'use pongTimeoutMs'],
  ['serverPingTimeout', "the socket answers Slack's pings"],
  ['pingPongLoggingEnabled', "use logLevel: 'debug'"],
];

/** Options of @slack/socket-mode that mean nothing here: a migrating app (in plain JS) is told, not ignored. */
const officialOptionWarnings = (o: object): Feature =>
  defineFeature((c) => {
    for (const [name, instead] of OFFICIAL_OPTIONS) {
      if (name in o) c.logger.warn(`Option ${name} is @slack/socket-mode's and is ignored here; ${instead}`);
    }
    return {};
  });

/** The features the options ask for, in the order they take part. */
function chosen(o: SocketModeOptions, bound: HandlerBound, health: HealthSignal): Feature[] {
  const pr = o.proactiveRefresh ?? 0.85;
  return [
    officialOptionWarnings(o),
    health,
    pool(o.connections),
    o.fleet,
    pingLiveness(o),
    deadlineWarnings(o.ackDeadlineWarnMs),
    ghostWarnings(),
    pr !== false && proactiveRefresh(pr),
    o.dedupe !== false && dedupe(o.dedupe ?? o.fleet?.dedupe),
    bound,
    ...(o.features ?? []),
  ].filter(Boolean) as Feature[];
}

export class SocketModeClient extends CoreClient {
  readonly #bound: HandlerBound;
  readonly #health: HealthSignal;

  constructor(opts: SocketModeOptions) {
    // A non-object is the core's to refuse (InvalidOptionsError), before any feature reads it.
    const o = opts && typeof opts === 'object' ? opts : undefined;
    // Unbounded unless asked; the queue's options are checked either way (a typo is told, not ignored).
    const bound = o && handlerBound({ ...o, maxConcurrentHandlers: o.maxConcurrentHandlers ?? Infinity });
    const health = healthSignal();
    super(o ? { ...o, features: chosen(o, bound!, health) } : opts);
    this.#bound = bound!;
    this.#health = health;
  }

  /** What a readiness or liveness probe needs (plain JSON data): see HealthReport, and createHealthHandler(). */
  health(o?: HealthOptions): HealthReport {
    return this.#health.health(o);
  }

  /** Envelopes in user handlers now, and waiting for a handler slot (maxConcurrentHandlers). */
  get handlerStats(): { active: number; queued: number } {
    return this.#bound.stats();
  }
}
