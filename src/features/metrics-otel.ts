// The metrics feature's counts as OpenTelemetry instruments, for an app that runs @opentelemetry/api (an optional
// peer dependency). The app passes its Meter in: nothing is imported here, and the Meter is typed by the few
// methods used (MeterLike, a structural subset of the API's Meter, so a real Meter fits it). Counters and gauges are
// observable instruments read from one snapshot per collection (nothing is done per envelope); ack latency is a
// histogram recorded as each ack is counted, with the same bucket bounds as the Prometheus text.
import { InvalidOptionsError } from '../core/errors.ts';
import { ACK_LATENCY_BOUNDS_MS } from './metrics-histogram.ts';
import type { Metrics, MetricsSnapshot } from './metrics.ts';

export type OtelAttributes = Record<string, string | number | boolean>;
/** An instrument made by the Meter (opaque here: only handed back to it). */
export type OtelObservableLike = object;
export interface OtelMetricOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}
export interface OtelBatchResultLike {
  observe(metric: OtelObservableLike, value: number, attributes?: OtelAttributes): void;
}
export type OtelBatchCallbackLike = (result: OtelBatchResultLike) => void;

/** What is used of @opentelemetry/api's `Meter` (`metrics.getMeter(name)`). */
export interface MeterLike {
  createHistogram(name: string, options?: OtelMetricOptionsLike): { record(value: number): void };
  createObservableCounter(name: string, options?: OtelMetricOptionsLike): OtelObservableLike;
  createObservableGauge(name: string, options?: OtelMetricOptionsLike): OtelObservableLike;
  addBatchObservableCallback(callback: OtelBatchCallbackLike, observables: OtelObservableLike[]): void;
  removeBatchObservableCallback(callback: OtelBatchCallbackLike, observables: OtelObservableLike[]): void;
}

export interface OpenTelemetryMetricsOptions {
  /**
   * Put before every instrument name.
   * @default `'slack.socket_mode.'`
   */
  prefix?: string;
}

type Counts = (s: MetricsSnapshot) => Array<[number, OtelAttributes?]>;

/**
 * Reports `source` (a metrics() value in a client's features) through `meter`. Returns how to stop (the observable
 * callback is removed; the histogram stops recording).
 */
export function metricsToOpenTelemetry(
  source: Metrics,
  meter: MeterLike,
  options: OpenTelemetryMetricsOptions = {},
): () => void {
  if (!meter || typeof meter.addBatchObservableCallback !== 'function')
    throw new InvalidOptionsError('metricsToOpenTelemetry(): pass a Meter from @opentelemetry/api (metrics.getMeter)');
  const p = options.prefix ?? 'slack.socket_mode.';
  const by =
    (pick: (s: MetricsSnapshot) => Record<string, number>, key: string): Counts =>
    (s) =>
      Object.entries(pick(s)).map(([k, v]) => [v, { [key]: k }]);
  const observed: Array<[OtelObservableLike, Counts]> = [];
  const add = (kind: 'counter' | 'gauge', name: string, description: string, unit: string, counts: Counts): void => {
    const o = { description, unit };
    const made =
      kind === 'counter' ? meter.createObservableCounter(p + name, o) : meter.createObservableGauge(p + name, o);
    observed.push([made, counts]);
  };
  add(
    'counter',
    'envelopes',
    'Envelopes received, by envelope type',
    '{envelope}',
    by((s) => s.envelopes, 'type'),
  );
  add('counter', 'acks', 'Envelopes delivered whose ack was made', '{ack}', (s) => [[s.acks]]);
  add('counter', 'missed_deadlines', 'Envelopes not acked within 3 s', '{envelope}', (s) => [[s.missedDeadlines]]);
  add('counter', 'deduped', 'Duplicates acked by dedupe, not delivered', '{envelope}', (s) => [[s.deduped]]);
  add(
    'counter',
    'reconnects',
    'Reconnects, by reason',
    '{reconnect}',
    by((s) => s.reconnects, 'reason'),
  );
  add(
    'counter',
    'dead_sockets',
    'Sockets presumed dead, by cause',
    '{socket}',
    by((s) => s.deadSockets, 'cause'),
  );
  add('counter', 'down_time', 'Time running with no live socket', 's', (s) => [[s.downMs / 1000]]);
  add('gauge', 'live_connections', 'Slots with a live socket', '{connection}', (s) => [[s.liveConnections]]);
  add(
    'counter',
    'errors',
    'Errors emitted, by code',
    '{error}',
    by((s) => s.errors, 'code'),
  );
  // The app's own gauges, each its instrument (their names are known once the feature is in a client).
  let names: string[] = [];
  try {
    names = Object.keys(source.metrics().gauges);
  } catch {
    // Not in a client yet: no gauges of the app's reported.
  }
  for (const g of names)
    add('gauge', g, 'Given by metrics({ gauges })', '1', (s) => (g in s.gauges ? [[s.gauges[g]!]] : []));
  const callback: OtelBatchCallbackLike = (result) => {
    const s = source.metrics();
    for (const [o, counts] of observed) for (const [v, attrs] of counts(s)) result.observe(o, v, attrs);
  };
  const list = observed.map(([o]) => o);
  meter.addBatchObservableCallback(callback, list);
  const latency = meter.createHistogram(p + 'ack.latency', {
    description: "From an envelope's arrival to its ack",
    unit: 's',
    advice: { explicitBucketBoundaries: ACK_LATENCY_BOUNDS_MS.map((b) => b / 1000) },
  });
  const off = source.onAck((ms) => latency.record(ms / 1000));
  return () => {
    off();
    meter.removeBatchObservableCallback(callback, list);
  };
}
