// The metrics feature's counts as OpenTelemetry instruments, for an app that runs @opentelemetry/api (an optional
// peer dependency: the app passes its Meter in). Nothing of it is imported, not even its types: the Meter is
// described by the few methods used here, so a TypeScript app without @opentelemetry/api still type-checks. Counters and gauges are observable instruments read from one snapshot per collection (nothing is done per
// envelope); ack latency is a histogram recorded as each ack is counted, with the Prometheus text's bucket bounds.
import { InvalidOptionsError } from '../core/errors.ts';
import { ACK_LATENCY_BOUNDS_MS } from './metrics-histogram.ts';
import type { Metrics, MetricsSnapshot } from './metrics.ts';

export interface OpenTelemetryMetricsOptions {
  /**
   * Put before every instrument name.
   * @default `'slack.socket_mode.'`
   */
  prefix?: string;
}

type Attributes = Record<string, string>;
/** An instrument made by the Meter (opaque here). */
type Observable = object;
type BatchObservableCallback = (result: {
  observe(o: Observable, value: number, attributes?: Attributes): void;
}) => void;
interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}
/** The part of @opentelemetry/api's `Meter` this adapter uses (`metrics.getMeter(name)` returns one). */
export interface OpenTelemetryMeter {
  createObservableCounter(name: string, options?: InstrumentOptions): Observable;
  createObservableGauge(name: string, options?: InstrumentOptions): Observable;
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void };
  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void;
  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void;
}

type Values = (s: MetricsSnapshot) => Array<[number, Attributes?]>;

/** A counter by label: one value per key of the snapshot's record. */
const by =
  (pick: (s: MetricsSnapshot) => Record<string, number>, key: string): Values =>
  (s) =>
    Object.entries(pick(s)).map(([k, v]) => [v, { [key]: k }]);

/**
 * Reports `source` (a metrics() value in a client's features) through `meter` (`metrics.getMeter(name)` of
 * @opentelemetry/api). Call it before the client starts: ack latencies are recorded from then on. Returns how to stop.
 */
export function metricsToOpenTelemetry(
  source: Metrics,
  meter: OpenTelemetryMeter,
  options: OpenTelemetryMetricsOptions = {},
): () => void {
  if (typeof meter?.addBatchObservableCallback !== 'function')
    throw new InvalidOptionsError('metricsToOpenTelemetry(): pass a Meter from @opentelemetry/api (metrics.getMeter)');
  const p = options.prefix ?? 'slack.socket_mode.';
  const observed: Array<[Observable, Values]> = [];
  const add = (gauge: boolean, name: string, description: string, unit: string, values: Values): void => {
    const o = { description, unit };
    observed.push([
      gauge ? meter.createObservableGauge(p + name, o) : meter.createObservableCounter(p + name, o),
      values,
    ]);
  };
  add(
    false,
    'envelopes',
    'Envelopes received, by envelope type',
    '{envelope}',
    by((s) => s.envelopes, 'type'),
  );
  add(false, 'acks', 'Envelopes delivered whose ack was made', '{ack}', (s) => [[s.acks]]);
  add(false, 'missed_deadlines', 'Envelopes not acked within 3 s', '{envelope}', (s) => [[s.missedDeadlines]]);
  add(false, 'deduped', 'Duplicates acked by dedupe, not delivered', '{envelope}', (s) => [[s.deduped]]);
  add(
    false,
    'reconnects',
    'Reconnects, by reason',
    '{reconnect}',
    by((s) => s.reconnects, 'reason'),
  );
  add(
    false,
    'dead_sockets',
    'Sockets found dead, by cause',
    '{socket}',
    by((s) => s.deadSockets, 'cause'),
  );
  add(false, 'down_time', 'Time running with no live socket', 's', (s) => [[s.downMs / 1000]]);
  add(
    false,
    'errors',
    'Errors emitted, by code',
    '{error}',
    by((s) => s.errors, 'code'),
  );
  add(true, 'live_connections', 'Slots with a live socket', '{connection}', (s) => [[s.liveConnections]]);
  add(
    true,
    'connections_wanted',
    'Connections wanted live: the pool size; with a fleet, its share of the fleet leases',
    '{connection}',
    (s) => [[s.connectionsWanted]],
  );
  const callback: BatchObservableCallback = (result) => {
    const s = source.metrics();
    for (const [o, values] of observed) for (const [v, attrs] of values(s)) result.observe(o, v, attrs);
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
