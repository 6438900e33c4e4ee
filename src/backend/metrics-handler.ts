// A `/metrics` route for Prometheus (or any scraper of its text format): a fetch-style handler (Request -> Response)
// for `Deno.serve(h)`, `Bun.serve({ fetch: h })`, a Worker's `fetch`, or `toNodeListener(h)` on Node. The body is
// the metrics feature's snapshot as text exposition 0.0.4 (../features/metrics-prometheus.ts).
import { InvalidOptionsError } from '../core/errors.ts';
import type { MetricsSnapshot } from '../features/metrics.ts';
import { DEFAULT_METRICS_PREFIX, PROMETHEUS_CONTENT_TYPE, prometheusText } from '../features/metrics-prometheus.ts';

export interface MetricsHandlerOptions {
  /**
   * Put before every metric name.
   * @default `'slack_socket_mode_'`
   */
  prefix?: string;
}

export function createMetricsHandler(
  source: { metrics(): MetricsSnapshot },
  options: MetricsHandlerOptions = {},
): (request: Request) => Response {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix))
    throw new InvalidOptionsError('createMetricsHandler(): prefix must be empty or start a Prometheus metric name');
  return (request) => {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD')
      return new Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } });
    // Counts carry no token by construction (error codes and reasons, never messages).
    const body = prometheusText(source.metrics(), prefix);
    return new Response(method === 'HEAD' ? null : body, {
      headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' },
    });
  };
}
