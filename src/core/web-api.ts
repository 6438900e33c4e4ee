// Runtime-neutral Web API helper: fetch only, token never in errors. Used by the client for
// apps.connections.open and exported for bots (chat.postMessage etc.) and response_url replies.
import {
  HttpError,
  InvalidOptionsError,
  InvalidTokenError,
  NetworkError,
  RateLimitedError,
  SlackApiError,
  DisconnectedError,
  SocketModeError,
} from './errors.ts';
import { assertSecureUrl } from './url.ts';
import { platformFetch } from '../transport/platform-fetch.ts';

export const DEFAULT_API_URL = 'https://slack.com/api/';

/** Slack errors from apps.connections.open that no retry can fix. */
export const FATAL_OPEN_ERRORS: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'not_allowed_token_type',
  'user_removed_from_team',
  'team_disabled',
  'missing_scope',
]);

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface CallApiOptions {
  token?: string;
  /** Default 'https://slack.com/api/'. Plain http is allowed for loopback hosts only. */
  apiUrl?: string;
  /** Used as is (no proxy added). Default: the platform's fetch, through the proxy that `proxy` names. */
  fetch?: FetchLike;
  /**
   * As the client's option: a URL (`'http://user:pass@proxy:3128'`) overrides HTTPS_PROXY / HTTP_PROXY / NO_PROXY,
   * `false` turns them off (Deno's own fetch still reads them). Ignored with `fetch`, in browsers and workerd.
   * Default: the environment.
   */
  proxy?: string | false;
  /** JSON body instead of application/x-www-form-urlencoded. Default false. */
  asJson?: boolean;
  /**
   * 'header' (default): `Authorization: Bearer`. 'body': a `token` form field, which a browser page can send
   * as a CORS simple request (apps.connections.open refuses this). Form bodies only: Slack ignores a token in a
   * JSON body, so `asJson` with 'body' is refused.
   */
  tokenIn?: 'header' | 'body';
  /** Retries after HTTP 429, each waiting Retry-After. Default 0: throw RateLimitedError. */
  rateLimitRetries?: number;
  signal?: AbortSignal;
}

export interface SlackApiResponse {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/** POST `apiUrl + method`. Resolves with the JSON body when `ok`; throws typed errors otherwise. */
export async function callApi(
  method: string,
  args: Record<string, unknown> = {},
  opts: CallApiOptions = {},
): Promise<SlackApiResponse> {
  const headers: Record<string, string> = {};
  const inBody = opts.token && opts.tokenIn === 'body';
  if (inBody && opts.asJson) {
    throw new InvalidOptionsError(
      "tokenIn: 'body' needs a form body: Slack reads a JSON body's token only from the Authorization header",
    );
  }
  if (opts.token && !inBody) headers['Authorization'] = `Bearer ${opts.token}`;
  let body: string;
  if (opts.asJson) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(args);
  } else {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) {
      if (v === undefined) continue;
      form.append(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    }
    if (inBody) form.append('token', opts.token!);
    body = form.toString();
  }
  let retriesLeft = opts.rateLimitRetries ?? 0;
  const f = opts.fetch ?? platformFetch(opts.proxy, 'json');
  for (;;) {
    try {
      return await slackPost(method, opts.apiUrl, { method: 'POST', headers, body, signal: opts.signal }, f);
    } catch (e) {
      if (!(e instanceof RateLimitedError) || retriesLeft-- <= 0) throw e;
      await sleep(e.retryAfterMs, opts.signal);
    }
  }
}

/**
 * One Web API call: fetch (network failures → NetworkError, an aborted call → DisconnectedError), 429 →
 * RateLimitedError (Retry-After), other HTTP failures → HttpError, `ok: false` → SlackApiError.
 */
async function slackPost(
  method: string,
  apiUrl = DEFAULT_API_URL,
  init: RequestInit,
  f?: FetchLike,
): Promise<SlackApiResponse> {
  const base = assertSecureUrl(apiUrl, 'https:');
  const url = (apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`) + method;
  // Errors say where the request went (a wrong apiUrl is a common mistake), without any user:password part.
  base.username = base.password = '';
  const shown = base.href.replace(/\/?$/, '/') + method;
  const checkApiUrl = `${shown} (check apiUrl)`;
  let res: Response;
  try {
    // Called unbound: some runtimes throw "Illegal invocation" for a fetch called as another object's method.
    res = await (f ?? fetch)(url, init);
  } catch (e) {
    // A platform's fetch may throw a typed error of its own (a proxy's: ProxyError).
    throw init.signal?.aborted
      ? new DisconnectedError(`${method} aborted`)
      : e instanceof SocketModeError
        ? e
        : new NetworkError(method, e, shown);
  }
  const retryAfter = (): number => parseRetryAfter(res.headers.get('retry-after'));
  if (!res.ok) {
    await discard(res);
    if (res.status === 429) throw new RateLimitedError(method, retryAfter());
    throw new HttpError(method, res.status, res.status === 404 ? checkApiUrl : shown);
  }
  const out = (await res.json().catch(() => null)) as SlackApiResponse | null;
  if (typeof out !== 'object' || out === null)
    throw new HttpError(method, res.status, `not a JSON object from ${checkApiUrl}`);
  if (out.ok !== true) {
    const err = typeof out.error === 'string' ? out.error : 'unknown_error';
    if (err === 'ratelimited') throw new RateLimitedError(method, retryAfter());
    throw new SlackApiError(method, err, res.status, FATAL_OPEN_ERRORS.has(err));
  }
  return out;
}

/** Throws InvalidTokenError unless `token` is an app-level token (xapp-…); the message never shows the token. */
export function assertAppToken(token: unknown): asserts token is string {
  if (typeof token === 'string' && token.startsWith('xapp-')) return;
  const got =
    token === undefined
      ? 'undefined'
      : token === ''
        ? 'an empty string'
        : typeof token === 'string' && /^xox[a-z]-/.test(token)
          ? `a ${token.slice(0, 4)}- token`
          : 'something else';
  throw new InvalidTokenError(`appToken must be an app-level token (xapp-…); got ${got}`);
}

/** apps.connections.open: the token goes in the Authorization header (Slack refuses it as a form field). */
export async function openConnectionUrl(opts: {
  /** The app-level token (xapp-…); `token` is accepted as an alias. */
  appToken?: string;
  token?: string;
  apiUrl?: string;
  fetch?: FetchLike;
  signal?: AbortSignal;
}): Promise<string> {
  const init = {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${opts.appToken ?? opts.token}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    signal: opts.signal,
  };
  const { url } = await slackPost('apps.connections.open', opts.apiUrl, init, opts.fetch);
  if (typeof url !== 'string' || !url) throw new SlackApiError('apps.connections.open', 'missing_url');
  return url;
}

export interface RespondMessage {
  text?: string;
  blocks?: unknown[];
  response_type?: 'in_channel' | 'ephemeral';
  replace_original?: boolean;
  delete_original?: boolean;
  [key: string]: unknown;
}

/**
 * POST a message to a `response_url` (slash commands, interactions). No token needed. `fetch` and `proxy` as in
 * callApi; Slack may answer a response_url with plain text (`ok`), so any content type is taken.
 */
export async function respond(
  responseUrl: string,
  message: string | RespondMessage,
  opts: { fetch?: FetchLike; proxy?: string | false; signal?: AbortSignal } = {},
): Promise<void> {
  assertSecureUrl(responseUrl, 'https:');
  const body = JSON.stringify(typeof message === 'string' ? { text: message } : message);
  let res: Response;
  try {
    res = await (opts.fetch ?? platformFetch(opts.proxy, 'any'))(responseUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body,
      signal: opts.signal,
    });
  } catch (e) {
    // A platform's fetch may throw a typed error of its own (a proxy's: ProxyError).
    throw e instanceof SocketModeError ? e : new NetworkError('response_url', e);
  }
  await discard(res);
  if (res.status === 429) throw new RateLimitedError('response_url', parseRetryAfter(res.headers.get('retry-after')));
  if (!res.ok) throw new HttpError('response_url', res.status);
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): every wait is clamped to this. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Retry-After in seconds (or an HTTP date) → ms; missing or garbage → 60 s (tier 1 is ~1/min). Capped at what
 * setTimeout can wait: a larger delay would fire at once.
 */
export function parseRetryAfter(value: string | null): number {
  const v = value?.trim() ?? '';
  // delta-seconds: digits, a fraction tolerated (Number() alone takes '-1', '1e9', '0x10'). An HTTP-date names a
  // weekday or month (Date.parse alone reads '-1' or '1 2' as dates in 2001).
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : /[a-z]{3}/i.test(v) ? Date.parse(v) - Date.now() : NaN;
  return Number.isNaN(ms) ? 60_000 : Math.min(MAX_TIMER_MS, Math.max(0, Math.round(ms)));
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Nothing to do: the body is not needed.
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DisconnectedError('aborted'));
    const t = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new DisconnectedError('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
