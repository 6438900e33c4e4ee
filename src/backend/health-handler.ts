// A `/healthz`-style route for a process that runs a Socket Mode client: a fetch-style handler (Request ->
// Response) for `Deno.serve(h)`, `Bun.serve({ fetch: h })`, a Worker's `fetch`, or `toNodeListener(h)` on Node.
// 200 when the probe passes, 503 when it does not; the body is client.health() as JSON either way.
import { redact } from '../core/redact.ts';
import type { HealthOptions, HealthReport } from '../core/health.ts';

export type HealthProbe = 'ready' | 'live';

export interface HealthHandlerOptions extends HealthOptions {
  /**
   * What 200 means unless the request's `?probe=` says otherwise. 'ready' (default): at least one live connection
   * (take the instance out of rotation otherwise). 'live': not stopped by a fatal error and not without a live
   * connection for longer than `maxDownMs` (restart the process otherwise).
   */
  probe?: HealthProbe;
}

export function createHealthHandler(
  client: { health(o?: HealthOptions): HealthReport },
  options: HealthHandlerOptions = {},
): (request: Request) => Response {
  const reply = (status: number, body: string | null, extra?: Record<string, string>): Response =>
    new Response(body, {
      status,
      // A probe must see the state now, never a cached copy.
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra },
    });
  return (request) => {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD')
      return reply(405, '{"error":"method_not_allowed"}', { allow: 'GET, HEAD' });
    const probe = new URL(request.url).searchParams.get('probe') ?? options.probe ?? 'ready';
    if (probe !== 'ready' && probe !== 'live') return reply(400, '{"error":"unknown_probe","probes":["ready","live"]}');
    const report = client.health(options.maxDownMs === undefined ? undefined : { maxDownMs: options.maxDownMs });
    // The report holds no token by construction (errors are redacted when made); redact once more in case a
    // custom error or a future field carries one.
    return reply(report[probe] ? 200 : 503, method === 'HEAD' ? null : redact(JSON.stringify(report)));
  };
}
