// metrics(): counters and an ack latency histogram for operators, as plain data (a snapshot), Prometheus text
// (../backend/metrics-handler.ts) or OpenTelemetry instruments (./metrics-otel.ts). Opt-in: the full client does not
// choose it, so the user passes it in `features` and keeps the value to read it (as healthSignal() answers health()).
//
// It sees the core only through hooks: `observe` (every event emitted, each envelope as it arrives, each duplicate
// dedupe acks), `acked` and `dropped`. Nothing is allocated per envelope: counters are numbers, the histogram a fixed
// array, and arrival times wait for their ack in a ring of preallocated slots (./metrics-arrivals.ts).
import { ACK_DEADLINE_MS } from '../core/ack-queue.ts';
import type { EnvelopeFrame } from '../core/connection.ts';
import { cancel, later, stopped, type Core, type Timer } from '../core/context.ts';
import { InvalidOptionsError } from '../core/errors.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { liveCount } from '../core/slots.ts';
import type { DisconnectedEvent, ReconnectingEvent } from '../core/types.ts';
import { Arrivals, GIVE_UP_MS } from './metrics-arrivals.ts';
import {
  ACK_LATENCY_BOUNDS_MS,
  histogramSnapshot,
  newHistogram,
  record,
  type HistogramSnapshot,
} from './metrics-histogram.ts';

/** Distinct label values kept per counter (reasons, error codes); any further one is counted as `other`. */
const MAX_LABELS = 50;

/** `metrics()`: plain JSON data; counters count since the client was made, times are ms. */
export interface MetricsSnapshot {
  /** When this snapshot was made (ms since the epoch). */
  at: number;
  /** Envelopes received, by envelope type (`events_api`, `slash_commands`, `interactive`, `unknown_envelope`). */
  envelopes: Record<string, number>;
  /** Envelopes delivered whose first ack was made (sent, or queued for a socket). Duplicates are not in it. */
  acks: number;
  /**
   * From an envelope's arrival to its ack, for each ack counted in `acks` (its `count` equals `acks`). An ack whose
   * arrival was given up (60 s, or more than 16,384 waiting) counts as 60 s.
   */
  ackLatencyMs: HistogramSnapshot;
  /** Envelopes not acked within Slack's 3 s of their arrival here (counted once each: late, or never acked). */
  missedDeadlines: number;
  /** Redeliveries and repeated envelopes acked by dedupe and not delivered. */
  deduped: number;
  /** `reconnecting` events by reason (`closed:…`, `refresh_requested`, `warning`, `pong_timeout`, `silent`, …). */
  reconnects: Record<string, number>;
  /** Live sockets found dead and replaced: a missed pong, or silent in a pool while its siblings received envelopes. */
  deadSockets: { pong_timeout: number; silent: number };
  /** Time spent running with no live socket (from the first attempt, or the loss of the last one, to a hello). */
  downMs: number;
  /** Since when there has been no live socket, if that is now; else null. */
  downSince: number | null;
  /** Slots with a live socket now. */
  liveConnections: number;
  /** Connections the client wants live now: its pool size (with a fleet, its share of the fleet leases); 0 stopped. */
  connectionsWanted: number;
  /** Errors emitted, by code. */
  errors: Record<string, number>;
}

/** The metrics feature: pass it in `features`, then ask it (or give it to createMetricsHandler). */
export type Metrics = Feature & {
  metrics(): MetricsSnapshot;
  /** Calls `listener` with each ack latency (ms) from now on, as it is counted; returns how to stop. */
  onAck(listener: (latencyMs: number) => void): () => void;
};

/** Adds one to `key` of `counts`, within MAX_LABELS distinct keys. */
function bump(counts: Record<string, number>, key: string): void {
  if (!(key in counts) && Object.keys(counts).length >= MAX_LABELS) key = 'other';
  counts[key] = (counts[key] ?? 0) + 1;
}

export function metrics(): Metrics {
  let core: Core | undefined;
  const listeners: Array<(latencyMs: number) => void> = [];
  // Every envelope kind from the start (a scraper sees 0, not nothing); the other counters are bounded by MAX_LABELS.
  const envelopes: Record<string, number> = { events_api: 0, slash_commands: 0, interactive: 0, unknown_envelope: 0 };
  const reconnects: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const deadSockets = { pong_timeout: 0, silent: 0 };
  const latency = newHistogram(ACK_LATENCY_BOUNDS_MS);
  const arrivals = new Arrivals();
  let acks = 0;
  let missedDeadlines = 0;
  let deduped = 0;
  let downMs = 0;
  let downSince: number | undefined;
  let sweepTimer: Timer | undefined;

  const up = (at: number): void => {
    if (downSince !== undefined) downMs += at - downSince;
    downSince = undefined;
  };

  const feature = defineFeature((c) => {
    if (core) throw new InvalidOptionsError('metrics(): one value per client (make another for this client)');
    core = c;

    /** Counts the envelopes past their deadline; arms itself for the next one due (a deadline, or a give-up). */
    const sweep = (): void => {
      sweepTimer = undefined;
      const now = Date.now();
      missedDeadlines += arrivals.sweep(now, ACK_DEADLINE_MS);
      if (arrivals.wake) sweepTimer = later(c, arrivals.wake - now, sweep);
    };
    // A client timer: stop() clears it (and a restart re-arms it with the next arrival).
    const armed = (): boolean => sweepTimer !== undefined && c.timers.has(sweepTimer);

    /** An admitted envelope's first ack: its latency (from the ring), and a missed deadline if the sweep was late. */
    const acked = (frame: object): void => {
      acks++;
      const now = Date.now();
      const at = arrivals.take(frame);
      // Negative: its missed deadline is counted already. NaN: given up (60 s or more, or the ring overflowed).
      const ms = Number.isNaN(at) ? GIVE_UP_MS : now - Math.abs(at);
      if (at >= 0 && ms > ACK_DEADLINE_MS) missedDeadlines++;
      record(latency, ms);
      for (const f of listeners) f(ms);
    };

    return {
      observe(type, arg) {
        switch (type) {
          case '#received': {
            const parsed = arg as EnvelopeFrame;
            envelopes[parsed.kind]!++;
            missedDeadlines += arrivals.add(parsed.frame, Date.now());
            if (!armed()) sweepTimer = later(c, ACK_DEADLINE_MS, sweep);
            return;
          }
          case '#deduped':
            deduped++;
            return void arrivals.takeId(arg as string);
          case 'connecting':
            // The first attempt of a run, or of a slot while no other is live: down from here.
            if (downSince === undefined && !liveCount(c)) downSince = Date.now();
            return;
          case 'connected':
            return up(Date.now());
          case 'reconnecting': {
            const reason = (arg as ReconnectingEvent).reason;
            bump(reconnects, reason);
            if (reason === 'pong_timeout' || reason === 'silent') deadSockets[reason]++;
            return;
          }
          case 'disconnected':
            // The last live socket lost: down until the next hello. Stopped: the down time ends, and the waiting acks.
            if ((arg as DisconnectedEvent).willReconnect) return void (downSince ??= Date.now());
            up(Date.now());
            cancel(c, sweepTimer);
            sweepTimer = undefined;
            return arrivals.clear();
          case 'error':
            return bump(errors, (arg as { code: string }).code);
        }
      },
      acked: (env) => acked(env),
      dropped: (parsed) => void arrivals.take(parsed.frame),
    };
  }) as Metrics;

  feature.metrics = () => {
    const c = core;
    if (!c) throw new InvalidOptionsError('metrics(): pass it in a client’s features first');
    const at = Date.now();
    const off = stopped(c);
    return {
      at,
      envelopes: { ...envelopes },
      acks,
      ackLatencyMs: histogramSnapshot(latency),
      missedDeadlines,
      deduped,
      reconnects: { ...reconnects },
      deadSockets: { ...deadSockets },
      downMs: downMs + (downSince === undefined ? 0 : at - downSince),
      downSince: downSince ?? null,
      liveConnections: off ? 0 : liveCount(c),
      // Read from the core's slots (the pool size, or what a fleet's leases set it to), never counted here.
      connectionsWanted: off ? 0 : c.slots.length,
      errors: { ...errors },
    };
  };
  feature.onAck = (listener) => {
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    };
  };
  return feature;
}
