// Bun's networking for the client: its own WebSocket and fetch, each given the proxy that applies to its URL (the
// `proxy` option, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY; see proxy-env.ts) through their native `proxy`
// option. Bun's fetch reads those variables by itself, its WebSocket does not: this makes both follow one rule.
import type { FetchLike } from '../core/web-api.ts';
import type { PlatformNetworkOptions, WebSocketConstructor } from '../transport/websocket.ts';
import type { ExpectedAnswer } from '../transport/platform-fetch.ts';
import { checkedProxy, proxyFor, type ProxyOption } from './proxy-env.ts';
import { checkedAnswer, nameProxyInErrors, proxyFailure } from './proxy-errors.ts';

type BunWebSocketCtor = new (url: string, options?: { protocols?: string | string[]; proxy?: string }) => WebSocket;

export function bunNetwork(opts: PlatformNetworkOptions): WebSocketConstructor | undefined {
  const choose = chooser(opts.proxy);
  opts.fetch ??= proxiedFetch(choose);
  if (opts.WebSocket) return opts.WebSocket;
  const Native = (globalThis as unknown as { WebSocket: BunWebSocketCtor }).WebSocket;
  return class ProxiedWebSocket extends Native {
    constructor(url: string, protocols?: string | string[]) {
      const proxy = choose(url);
      super(url, proxy ? { protocols, proxy } : { protocols });
      if (proxy) nameProxyInErrors(this, proxy, new URL(url).host);
    }
  } as unknown as WebSocketConstructor;
}

/** The fetch callApi() and respond() use on Bun when given none: by the same rules as the client's. */
export function bunFetch(proxy: ProxyOption, expect: ExpectedAnswer): FetchLike {
  return proxiedFetch(chooser(proxy), expect);
}

function chooser(option: ProxyOption): (url: string) => string {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  return (url) => checkedProxy(proxyFor(url, option, env));
}

/** `expect` 'json' (the Web API) refuses any other answer through the proxy; 'any' (a response_url) takes it. */
function proxiedFetch(choose: (url: string) => string, expect: ExpectedAnswer = 'json'): FetchLike {
  return async (input, init) => {
    const proxy = choose(input);
    // No proxy by these rules: `proxy: false` keeps Bun's fetch from applying the environment by its own.
    if (!proxy) return fetch(input, { ...init, proxy: false } as RequestInit);
    const host = new URL(input).host;
    let res: Response;
    try {
      res = await fetch(input, { ...init, proxy } as RequestInit);
    } catch (e) {
      if (init?.signal?.aborted) throw e;
      throw proxyFailure(proxy, host, e);
    }
    return checkedAnswer(proxy, host, res, expect);
  };
}
