// The piece of a browser setup that must live on a server: it holds the app token, calls
// apps.connections.open, and hands the page only the one-time wss:// URL. Slack's CORS preflight rejects the
// Authorization header this method needs, and a token in a page is a leaked token anyway.
// A fetch-style handler (Request -> Response): `Deno.serve(h)`, `Bun.serve({ fetch: h })`, a Worker's
// `fetch`, or `toNodeListener(h)` on Node.
import {
  FATAL_OPEN_ERRORS,
  assertAppToken,
  openConnectionUrl,
  parseRetryAfter,
  type FetchLike,
} from '../core/web-api.ts';
import { RateLimitedError, SlackApiError, SocketModeError } from '../core/errors.ts';

export interface ConnectionUrlHandlerOptions {
  /** App-level token (xapp-…). A missing or non-xapp token throws InvalidTokenError here, not on each request. */
  appToken: string | undefined;
  apiUrl?: string;
  fetch?: FetchLike;
  /**
   * Other origins allowed to call the handler from a page (CORS). Default: none — only a page served from the
   * handler's own origin. A URL is a live share of the app's envelopes: open it up deliberately.
   */
  allowOrigin?: string | ((origin: string) => boolean);
  /**
   * Decide whether this request may get a URL (session cookie, shared secret…). Default: allow. Anyone who can
   * reach the handler gets a URL, so put it behind your app's authentication or pass this.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>;
}

export function createConnectionUrlHandler(
  options: ConnectionUrlHandlerOptions,
): (request: Request) => Promise<Response> {
  const appToken = options.appToken;
  assertAppToken(appToken);
  const corsFor = (request: Request): Record<string, string> => {
    const origin = request.headers.get('origin') ?? '';
    const allow = options.allowOrigin;
    const allowed = allow === undefined ? '' : typeof allow === 'function' ? (allow(origin) ? origin : '') : allow;
    if (!allowed) return {};
    return {
      'access-control-allow-origin': allowed,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      // A session cookie or an Authorization header is how `authorize` tells callers apart.
      'access-control-allow-headers': 'content-type, authorization',
      ...(allowed === '*' ? {} : { 'access-control-allow-credentials': 'true' }),
      vary: 'origin',
    };
  };
  const json = (request: Request, status: number, body: unknown, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      // A one-time URL is a live share of the app's envelopes: no cache may keep (or replay) it.
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...corsFor(request), ...extra },
    });

  return async (request) => {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsFor(request) });
    if (request.method !== 'POST' && request.method !== 'GET')
      return json(request, 405, { ok: false, error: 'method_not_allowed' });
    if (options.authorize && !(await options.authorize(request)))
      return json(request, 403, { ok: false, error: 'forbidden' });
    try {
      const url = await openConnectionUrl({
        appToken,
        ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      return json(request, 200, { ok: true, url });
    } catch (e) {
      // Errors are already token-free; only Slack's error code leaves the server, so the page's client can
      // tell fatal from transient exactly as it would calling Slack itself.
      if (e instanceof RateLimitedError) {
        const secs = String(Math.ceil(e.retryAfterMs / 1000));
        return json(request, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': secs });
      }
      if (e instanceof SlackApiError) return json(request, e.fatal ? 401 : 502, { ok: false, error: e.slackError });
      return json(request, 502, { ok: false, error: e instanceof SocketModeError ? e.code : 'internal_error' });
    }
  };
}

/** The page side: an `openConnection` hook that asks such a handler for a fresh URL. */
export function connectionUrlFrom(
  endpoint: string,
  init: RequestInit = { method: 'POST' },
  fetchImpl?: FetchLike,
): () => Promise<string> {
  return async () => {
    const res = await (fetchImpl ?? ((i: string, r?: RequestInit) => globalThis.fetch(i, r)))(endpoint, init);
    const body = (await res.json().catch(() => ({}))) as { ok?: boolean; url?: string; error?: string };
    if (res.ok && body.ok && typeof body.url === 'string') return body.url;
    // Rebuild the typed errors so the client's reconnect loop treats them as it treats Slack's own.
    if (res.status === 429)
      throw new RateLimitedError('apps.connections.open', parseRetryAfter(res.headers.get('retry-after')));
    if (body.error && FATAL_OPEN_ERRORS.has(body.error)) {
      throw new SlackApiError('apps.connections.open', body.error, res.status, true);
    }
    throw new SocketModeError(
      'connection_url_unavailable',
      `connection URL endpoint answered ${res.status} ${body.error ?? ''}`.trim(),
    );
  };
}
