// Deno's networking for the client. Deno's own fetch and WebSocket read HTTPS_PROXY / HTTP_PROXY / NO_PROXY by
// themselves (no --allow-env needed), so without a `proxy` option no proxy is added; where the program may read
// those variables, a failed handshake through the proxy they name is a ProxyError. A `proxy` URL becomes a
// Deno.createHttpClient({ proxy }) that both the fetch and the WebSocket (its `client` option) use.
import type { FetchLike } from '../core/web-api.ts';
import type { PlatformNetworkOptions, WebSocketConstructor } from '../transport/websocket.ts';
import type { ExpectedAnswer } from '../transport/platform-fetch.ts';
import { checkedProxy, proxyFor, type Env } from './proxy-env.ts';
import { ProxyError } from '../core/errors.ts';
import { checkedAnswer, nameProxyInErrors, proxyFailure } from './proxy-errors.ts';

type HttpClient = { close(): void };
type DenoNs = {
  createHttpClient(o: { proxy: { url: string; basicAuth?: { username: string; password: string } } }): HttpClient;
  env: { get(name: string): string | undefined };
  permissions: { querySync(d: { name: 'env'; variable: string }): { state: string } };
};

// The variables Deno reads (not ALL_PROXY).
const VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/**
 * The variables Deno's own networking reads, if this program may read every one of them (asking would prompt);
 * else undefined: which proxy Deno takes, if any, cannot be known.
 */
function readableEnv(deno: DenoNs): Env | undefined {
  try {
    if (!VARS.every((variable) => deno.permissions.querySync({ name: 'env', variable }).state === 'granted')) return;
    return Object.fromEntries(VARS.map((v) => [v, deno.env.get(v)]));
  } catch {
    // No permissions API (an older Deno): as if not granted.
    return undefined;
  }
}

type DenoWebSocketCtor = new (
  url: string,
  options?: { protocols?: string | string[]; client?: HttpClient },
) => WebSocket;

export function denoNetwork(opts: PlatformNetworkOptions): WebSocketConstructor | undefined {
  const g = globalThis as unknown as { WebSocket: DenoWebSocketCtor; Deno: DenoNs };
  // `false` cannot turn Deno's own proxy off (NO_PROXY does); no option leaves it to Deno.
  if (typeof opts.proxy !== 'string' || opts.proxy === '') {
    opts.fetch ??= envFetch(g.Deno, 'json');
    if (opts.WebSocket) return opts.WebSocket;
    const env = readableEnv(g.Deno);
    if (!env) return g.WebSocket as unknown as WebSocketConstructor;
    // Deno's own WebSocket, its failures named after the proxy Deno takes by these variables (curl's rules).
    return class NamedProxyWebSocket extends g.WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, { protocols });
        const proxy = proxyFor(url, undefined, env!);
        if (proxy) nameProxyInErrors(this, proxy, new URL(url).host);
      }
    } as unknown as WebSocketConstructor;
  }
  const proxy = opts.proxy;
  let client: HttpClient | undefined;
  // Made at first use, so a bad URL is a ProxyError on `error` (and the usual backoff), not a throw from start().
  const clientFor = (): HttpClient => (client ??= httpClient(g.Deno, proxy));
  opts.fetch ??= proxiedFetch(proxy, clientFor, 'json');
  if (opts.WebSocket) return opts.WebSocket;
  const Native = g.WebSocket;
  return class ProxiedWebSocket extends Native {
    constructor(url: string, protocols?: string | string[]) {
      super(url, { protocols, client: clientFor() });
      nameProxyInErrors(this, proxy, new URL(url).host);
    }
  } as unknown as WebSocketConstructor;
}

/** A Deno HttpClient through `proxy` (checked), its credentials given as basicAuth. */
function httpClient(deno: DenoNs, proxy: string): HttpClient {
  const u = new URL(checkedProxy(proxy));
  const basicAuth = u.username
    ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
    : undefined;
  u.username = u.password = '';
  return deno.createHttpClient({ proxy: { url: u.href, ...(basicAuth ? { basicAuth } : {}) } });
}

/** Deno's fetch with `client`: a failure on the way is a ProxyError naming `proxy`, the answer checked. */
function proxiedFetch(proxy: string, client: () => HttpClient, expect: ExpectedAnswer): FetchLike {
  return async (input, init) => {
    const host = new URL(input).host;
    let res: Response;
    try {
      res = await fetch(input, { ...init, client: client() } as RequestInit);
    } catch (e) {
      if (init?.signal?.aborted) throw e;
      throw proxyFailure(proxy, host, e);
    }
    return checkedAnswer(proxy, host, res, expect);
  };
}

/**
 * Deno's own fetch, which applies the variables itself. A 407 can only be a proxy's answer (Slack never sends one):
 * it is a ProxyError naming the proxy the variables give where this program may read them, else saying where it
 * came from. Any other answer is Deno's to give.
 */
function envFetch(deno: DenoNs, expect: ExpectedAnswer): FetchLike {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 407) return res;
    const host = new URL(input).host;
    const env = readableEnv(deno);
    const proxy = env && proxyFor(input, undefined, env);
    if (proxy) return checkedAnswer(proxy, host, res, expect);
    await res.body?.cancel().catch(() => undefined);
    throw new ProxyError(
      FROM_ENV,
      `Proxy ${FROM_ENV} refused the request to ${host}: 407 Proxy Authentication Required (check the user and password in the proxy URL)`,
      407,
    );
  };
}

/** How a proxy Deno took from the environment is named when this program may not read the variables. */
const FROM_ENV = '(from HTTPS_PROXY / HTTP_PROXY, applied by Deno)';

/** One HttpClient per proxy URL for callApi() and respond(), for the program's life (as Node's agents). */
const clients = new Map<string, HttpClient>();

/**
 * The fetch callApi() and respond() use on Deno when given none: a `proxy` URL as the client's option does;
 * otherwise Deno's own fetch, which applies HTTPS_PROXY / HTTP_PROXY / NO_PROXY itself.
 */
export function denoFetch(proxy: string | false | undefined, expect: ExpectedAnswer): FetchLike {
  const deno = (globalThis as unknown as { Deno: DenoNs }).Deno;
  if (typeof proxy !== 'string' || proxy === '') return envFetch(deno, expect);
  const client = (): HttpClient => {
    let c = clients.get(proxy);
    if (!c) clients.set(proxy, (c = httpClient(deno, proxy)));
    return c;
  };
  return proxiedFetch(proxy, client, expect);
}
