// A metrics snapshot as Prometheus text exposition (format 0.0.4): for each metric `# HELP` and `# TYPE`, then its
// samples; counters end in `_total`; the histogram has cumulative `_bucket{le="…"}` lines ending in `+Inf`, then
// `_sum` and `_count`. Times are in seconds, as Prometheus names them.
import type { MetricsSnapshot } from './metrics.ts';

/** The content type of this text (what a scraper asks for with `Accept: text/plain`). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Every metric name starts with this unless told otherwise. */
export const DEFAULT_METRICS_PREFIX = 'slack_socket_mode_';

// A label value escapes backslash, double quote and newline; HELP text escapes backslash and newline.
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const help = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
// Go's float formatting, as Prometheus reads it: integers plain, +Inf/-Inf/NaN spelled out.
const num = (v: number): string =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`;

export function prometheusText(s: MetricsSnapshot, prefix = DEFAULT_METRICS_PREFIX): string {
  const out: string[] = [];
  const head = (name: string, type: string, text: string): void => {
    out.push(`# HELP ${prefix}${name} ${help(text)}`, `# TYPE ${prefix}${name} ${type}`);
  };
  const one = (name: string, type: 'counter' | 'gauge', text: string, value: number): void => {
    head(name, type, text);
    out.push(`${prefix}${name} ${num(value)}`);
  };
  const labelled = (name: string, key: string, text: string, values: Record<string, number>): void => {
    head(name, 'counter', text);
    for (const [k, v] of Object.entries(values)) out.push(`${prefix}${name}{${key}="${label(k)}"} ${num(v)}`);
  };

  labelled('envelopes_total', 'type', 'Envelopes received, by envelope type.', s.envelopes);
  one('acks_total', 'counter', 'Envelopes delivered whose ack was made.', s.acks);
  const h = s.ackLatencyMs;
  head('ack_latency_seconds', 'histogram', "From an envelope's arrival to its ack.");
  h.bounds.forEach((b, i) => out.push(`${prefix}ack_latency_seconds_bucket{le="${num(b / 1000)}"} ${h.counts[i]}`));
  out.push(
    `${prefix}ack_latency_seconds_bucket{le="+Inf"} ${h.count}`,
    `${prefix}ack_latency_seconds_sum ${num(h.sum / 1000)}`,
    `${prefix}ack_latency_seconds_count ${h.count}`,
  );
  one('missed_deadlines_total', 'counter', 'Envelopes not acked within 3 s of their arrival.', s.missedDeadlines);
  one('deduped_total', 'counter', 'Redeliveries and repeated envelopes acked by dedupe, not delivered.', s.deduped);
  labelled('reconnects_total', 'reason', 'Reconnects, by reason.', s.reconnects);
  labelled('dead_sockets_total', 'cause', 'Sockets presumed dead: a missed pong, or silent in a pool.', s.deadSockets);
  one('down_seconds_total', 'counter', 'Time spent running with no live socket.', s.downMs / 1000);
  one('live_connections', 'gauge', 'Slots with a live socket.', s.liveConnections);
  one(
    'connections_wanted',
    'gauge',
    'Connections the client wants live: its pool size; with a fleet, its share of the fleet leases.',
    s.connectionsWanted,
  );
  labelled('errors_total', 'code', 'Errors emitted, by code.', s.errors);
  return out.join('\n') + '\n';
}
