// metrics(): counters and histograms for operators, as plain data (a snapshot), Prometheus text
// (../backend/metrics-handler.ts) or OpenTelemetry instruments (./metrics-otel.ts). Opt-in: the full client does not
// choose it (its bundle has no room), so the user passes it in `features`, and the value answers `metrics()`.
//
// It adds nothing to the core. It observes what the core already has: the envelope and close callbacks every
// connection reports to (c.events), the ack queue's auto-ack (dedupe's duplicates), the `connected`, `acked` and
// `dropped` hooks, and the marks the core records for health() (start, reconnecting, disconnected, error), read
// through accessors. Per envelope it keeps one Map entry (its arrival time, a small integer) until its ack: counters
// are numbers and the histogram a fixed array, so nothing else is allocated per envelope.
import { ACK_DEADLINE_MS, type AckableEnvelope } from '../core/ack-queue.ts';
import type { Connection, EnvelopeFrame } from '../core/connection.ts';
import { cancel, ignoring, later, stopped, type Core, type Timer } from '../core/context.ts';
import { InvalidOptionsError } from '../core/errors.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import type { HealthMarks } from '../core/health.ts';
import { liveCount } from '../core/slots.ts';
import {
  ACK_LATENCY_BOUNDS_MS,
  histogramSnapshot,
  newHistogram,
  observe,
  type HistogramSnapshot,
} from './metrics-histogram.ts';

/** Distinct label values kept per counter (reasons, error codes); any further one is counted as `other`. */
const MAX_LABELS = 50;
/** Envelopes waiting for an ack that are tracked; past this the oldest is given up (a handler that never acks). */
const MAX_TRACKED = 10_000;
/** An envelope past its deadline is given up this long after its arrival (Slack has retried or failed it by then). */
const GIVE_UP_MS = 60_000;
/** A gauge name, as Prometheus allows it. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export interface MetricsOptions {
  /**
   * Extra gauges, read at each snapshot: name → function returning the value now (e.g. the fleet's leases held).
   * Names as Prometheus allows them (`[a-zA-Z_:][a-zA-Z0-9_:]*`); a function that throws is left out of that snapshot.
   */
  gauges?: Record<string, () => number>;
}

/** `metrics()`: plain JSON data; counters count since the client was made, times are ms. */
export interface MetricsSnapshot {
  /** When this snapshot was made (ms since the epoch). */
  at: number;
  /** Envelopes received, by envelope type (`events_api`, `slash_commands`, `interactive`, `unknown_envelope`). */
  envelopes: Record<string, number>;
  /** Envelopes delivered whose first ack was made (sent, or queued for a socket). Duplicates are not in it. */
  acks: number;
  /** From an envelope's arrival to its ack, for each ack counted in `acks` (its `count` equals `acks`). */
  ackLatencyMs: HistogramSnapshot;
  /** Envelopes not acked within Slack's 3 s of their arrival here (counted once each: late, or never acked). */
  missedDeadlines: number;
  /** Redeliveries and repeated envelopes acked by dedupe and not delivered. */
  deduped: number;
  /** `reconnecting` events by reason (`closed:…`, `refresh_requested`, `warning`, `pong_timeout`, `silent`, …). */
  reconnects: Record<string, number>;
  /** Sockets presumed dead, by how: a missed pong, or silent in a pool while its siblings received envelopes. */
  deadSockets: { pong_timeout: number; silent: number };
  /** Time spent running with no live socket (from start() or the loss of the last one, to the next hello). */
  downMs: number;
  /** Since when there has been no live socket, if that is now; else null. */
  downSince: number | null;
  /** Slots with a live socket now. */
  liveConnections: number;
  /** Errors emitted, by code. */
  errors: Record<string, number>;
  /** The `gauges` option's values now. */
  gauges: Record<string, number>;
}

/** Called with each ack's latency (ms) as it is counted (the OpenTelemetry adapter records it). */
export type AckListener = (latencyMs: number) => void;

/** The metrics feature: pass it in `features`, then ask it (or give it to createMetricsHandler). */
export type Metrics = Feature & {
  metrics(): MetricsSnapshot;
  /** Calls `listener` with each ack latency from now on; returns how to stop. */
  onAck(listener: AckListener): () => void;
};

/** Adds one to `key` of `counts`, within MAX_LABELS distinct keys. */
function bump(counts: Record<string, number>, key: string): void {
  if (!(key in counts) && Object.keys(counts).length >= MAX_LABELS) key = 'other';
  counts[key] = (counts[key] ?? 0) + 1;
}

export function metrics(options: MetricsOptions = {}): Metrics {
  const gauges = Object.entries(options.gauges ?? {});
  for (const [name, read] of gauges) {
    if (!METRIC_NAME.test(name) || typeof read !== 'function')
      throw new InvalidOptionsError(`metrics(): gauge ${JSON.stringify(name)} needs a metric name and a function`);
  }
  let core: Core | undefined;
  const listeners: AckListener[] = [];
  // Counters. Envelope kinds are few and fixed; the others are bounded by MAX_LABELS.
  const envelopes: Record<string, number> = {};
  const reconnects: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const deadSockets = { pong_timeout: 0, silent: 0 };
  const latency = newHistogram(ACK_LATENCY_BOUNDS_MS);
  let acks = 0;
  let missedDeadlines = 0;
  let deduped = 0;
  let downMs = 0;
  let downSince: number | undefined;

  // Arrival times, relative to t0 (small integers, which V8 stores without boxing), of envelopes not acked yet, in
  // arrival order. An entry whose missed deadline has been counted holds ~at (negative).
  const t0 = Date.now();
  const arrivals = new Map<object, number>();
  let sweepTimer: Timer | undefined;
  /** The envelope being received now: a synchronous dedupe store's duplicate is acked while it is. */
  let arriving: object | undefined;

  const feature = defineFeature((c) => {
    if (core) throw new InvalidOptionsError('metrics(): one value per client (make another for this client)');
    core = c;
    const now = (): number => Date.now() - t0;

    /** Counts envelopes past their deadline; then waits for the next one to be due. */
    const sweep = (): void => {
      sweepTimer = undefined;
      const t = now();
      for (const [k, v] of arrivals) {
        // Its frame is not kept for ever: a late ack after this counts as an ack, not in the histogram.
        if (v < 0) {
          if (t - ~v > GIVE_UP_MS) arrivals.delete(k);
          continue;
        }
        const due = v + ACK_DEADLINE_MS - t;
        if (due > 0) return void (sweepTimer = later(c, due, sweep));
        missedDeadlines++;
        arrivals.set(k, ~v);
      }
    };
    const armed = (): boolean => sweepTimer !== undefined && c.timers.has(sweepTimer);

    /** An envelope got its ack (delivered, or auto-acked as a duplicate): its latency, if it counts as an ack. */
    const settle = (k: object, counted: boolean): void => {
      const v = arrivals.get(k);
      if (v === undefined) return;
      arrivals.delete(k);
      if (!counted) return;
      const at = v < 0 ? ~v : v;
      const ms = now() - at;
      if (v >= 0 && ms > ACK_DEADLINE_MS) missedDeadlines++;
      observe(latency, ms);
      for (const f of listeners) f(ms);
    };

    // Every envelope a connection receives, before any feature sees it (dedupe takes duplicates from there).
    const events = c.events;
    const received = events.onReceived;
    events.onReceived = (conn: Connection, parsed: EnvelopeFrame): void => {
      if (!ignoring(c)) {
        envelopes[parsed.kind] = (envelopes[parsed.kind] ?? 0) + 1;
        const k = parsed.frame;
        if (arrivals.size >= MAX_TRACKED) {
          const [oldest, v] = arrivals.entries().next().value!;
          if (v >= 0) missedDeadlines++;
          arrivals.delete(oldest);
        }
        arrivals.set(k, now());
        if (!armed()) sweepTimer = later(c, ACK_DEADLINE_MS, sweep);
        arriving = k;
      }
      received(conn, parsed);
      arriving = undefined;
    };
    // A socket closes: presumed dead first? Pinged sockets die by a missed pong; the others by silence (a pool's).
    const closed = events.onClosed;
    events.onClosed = (conn, info) => {
      if (conn.dead) deadSockets[conn.pinged ? 'pong_timeout' : 'silent']++;
      closed(conn, info);
    };

    const watch = <K extends keyof HealthMarks>(key: K, seen: (v: NonNullable<HealthMarks[K]>) => void): void => {
      const marks = c.marks;
      // Another metrics value on this client would have made an accessor already: keep it working.
      const prev = Object.getOwnPropertyDescriptor(marks, key);
      let value = marks[key];
      Object.defineProperty(marks, key, {
        configurable: true,
        enumerable: true,
        get: prev?.get ?? (() => value),
        set(v: NonNullable<HealthMarks[K]>) {
          if (prev?.set) prev.set(v);
          else value = v;
          seen(v);
        },
      });
    };
    watch('start', (at) => (downSince ??= at));
    watch('reconnecting', (r) => bump(reconnects, r.reason));
    watch('error', (e) => e && bump(errors, e.code));
    watch('disconnected', (d) => {
      // The last live socket lost: down until the next hello. Stopped: the down time ends, and so does the tracking.
      if ((d as { willReconnect?: boolean }).willReconnect) return void (downSince ??= d.at);
      if (downSince !== undefined) downMs += d.at - downSince;
      downSince = undefined;
      cancel(c, sweepTimer);
      sweepTimer = undefined;
      arrivals.clear();
    });

    let wrapped = false;
    return {
      connected() {
        if (downSince !== undefined) downMs += Date.now() - downSince;
        downSince = undefined;
        // The ack queue exists once the features are set up: its auto-ack is dedupe's duplicate, acked unseen.
        if (wrapped) return;
        wrapped = true;
        const q = c.acks;
        const autoAck = q.autoAck;
        q.autoAck = (id, conn) => {
          deduped++;
          settle(duplicateOf(id), false);
          return autoAck.call(q, id, conn);
        };
      },
      acked: (env: AckableEnvelope) => {
        acks++;
        settle(env, true);
      },
      dropped: (parsed) => settle(parsed.frame, false),
    };
  }) as Metrics;

  /** The envelope a duplicate's ack is for: the one arriving (a synchronous store), else the newest with its id. */
  const duplicateOf = (id: string): object => {
    if ((arriving as AckableEnvelope | undefined)?.envelope_id === id) return arriving!;
    let found: object = {};
    for (const k of arrivals.keys()) if ((k as AckableEnvelope).envelope_id === id) found = k;
    return found;
  };

  feature.metrics = () => {
    const c = core;
    if (!c) throw new InvalidOptionsError('metrics(): pass it in a client’s features first');
    const at = Date.now();
    const values: Record<string, number> = {};
    for (const [name, read] of gauges) {
      try {
        const v = read();
        if (typeof v === 'number') values[name] = v;
      } catch {
        // A gauge that cannot answer now is left out, not the whole snapshot.
      }
    }
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
      liveConnections: stopped(c) ? 0 : liveCount(c),
      errors: { ...errors },
      gauges: values,
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
