// Node's networking for the client: ws for the socket and fetch for apps.connections.open, each through the proxy
// that applies to its URL (the `proxy` option, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY; see proxy-env.ts).
// Both legs tunnel (CONNECT) with https-proxy-agent: ws takes it as its `agent`, and the Web API request is
// node:http(s) with the same agent.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import WebSocketImpl from 'isomorphic-ws';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyError } from '../core/errors.ts';
import type { FetchLike } from '../core/web-api.ts';
import type { PlatformNetworkOptions, WebSocketConstructor } from '../transport/websocket.ts';
import type { ExpectedAnswer } from '../transport/platform-fetch.ts';
import { checkedProxy, proxyFor, type ProxyOption } from './proxy-env.ts';
import { WS_HANDSHAKE, proxyAnswerError, proxyFailure, scrubbedCopy } from './proxy-errors.ts';

type WsCtor = new (url: string, protocols?: string | string[], options?: object) => InstanceType<typeof WebSocketImpl>;

/** One agent per proxy URL, for the process: each request opens its own tunnel (CONNECT). */
const agents = new Map<string, HttpsProxyAgent<string>>();

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (!v) map.set(key, (v = make()));
  return v;
}

/** The platform network for Node: the WebSocket (and, unless given, the fetch) each client uses. */
export function nodeNetwork(opts: PlatformNetworkOptions): WebSocketConstructor {
  const choose = chooser(opts.proxy);
  opts.fetch ??= proxiedFetch(choose);
  return opts.WebSocket ?? proxiedWebSocket(choose);
}

/** The fetch callApi() and respond() use on Node when given none: through the proxy for its URL, as the client's. */
export function nodeFetch(proxy: ProxyOption, expect: ExpectedAnswer): FetchLike {
  return proxiedFetch(chooser(proxy), expect);
}

/** The proxy for a URL by the option, else the environment as it is at that request. */
function chooser(option: ProxyOption): (url: string) => string {
  return (url) => checkedProxy(proxyFor(url, option, process.env));
}

/**
 * fetch through the proxy for its URL (the global fetch where none applies): node:http(s) with the same tunnelling
 * agent as the socket, the answer handed back as a Response. `expect` 'json' (the Web API) refuses any other answer
 * through the proxy; 'any' (a response_url) takes it.
 */
export function proxiedFetch(choose: (url: string) => string, expect: ExpectedAnswer = 'json'): FetchLike {
  return async (input, init = {}) => {
    const proxy = choose(input);
    if (!proxy) return fetch(input, init);
    const url = new URL(input);
    const agent = cached(agents, proxy, () => new HttpsProxyAgent(proxy));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = init.body == null ? undefined : String(init.body);
    let tunnel: { statusCode: number } | undefined;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string>,
        agent,
        signal: init.signal ?? undefined,
      });
      req.once('proxyConnect', (connect: { statusCode: number }) => (tunnel = connect));
      req.once('response', resolve);
      req.once('error', (e) => reject(init.signal?.aborted ? e : proxyFailure(proxy, url.host, e)));
      req.end(body);
    });
    // The tunnel was refused: the answer is the proxy's (407, 403, 502…), replayed by the agent.
    if (tunnel && tunnel.statusCode !== 200) {
      res.resume();
      throw proxyAnswerError(proxy, url.host, tunnel.statusCode, '', 'CONNECT');
    }
    const type = String(res.headers['content-type'] ?? '');
    // Slack's Web API answers JSON: an HTML page here came from something in between (a login page).
    if (expect === 'json' && !/json/i.test(type)) {
      res.resume();
      throw proxyAnswerError(proxy, url.host, res.statusCode ?? 0, type, 'the Web API request');
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, String(v));
    return new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode, headers });
  };
}

/** ws, with an agent that tunnels through the proxy for its URL; a proxy's failure says what it answered. */
export function proxiedWebSocket(choose: (url: string) => string): WebSocketConstructor {
  const WS = WebSocketImpl as unknown as WsCtor;
  class ProxiedWebSocket extends WS {
    declare proxyFailure: ((err: unknown) => ProxyError) | undefined;
    constructor(url: string, protocols?: string | string[]) {
      const proxy = choose(url);
      super(url, protocols ?? [], proxy ? { agent: cached(agents, proxy, () => new HttpsProxyAgent(proxy)) } : {});
      if (!proxy) return;
      const target = new URL(url).host;
      let tunnel: { statusCode: number } | undefined;
      let answer: { status: number; type: string } | undefined;
      const req = (this as unknown as { _req?: NodeJS.EventEmitter })._req;
      req?.once('proxyConnect', (connect: { statusCode: number }) => (tunnel = connect));
      req?.once('response', (res: { statusCode?: number; headers: Record<string, unknown> }) => {
        answer = { status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') };
      });
      // Once open, the proxy did its part: later errors are the socket's own.
      this.once('open', () => (this.proxyFailure = undefined));
      this.proxyFailure = (err) => {
        // The tunnel was refused (407, 403, 502…): the answer replayed to ws is the proxy's.
        if (tunnel && tunnel.statusCode !== 200)
          return proxyAnswerError(proxy, target, tunnel.statusCode, '', 'CONNECT', scrubbedCopy(err, proxy));
        if (answer)
          return proxyAnswerError(proxy, target, answer.status, answer.type, WS_HANDSHAKE, scrubbedCopy(err, proxy));
        return proxyFailure(proxy, target, err);
      };
    }
    // ws reports a failed handshake as a plain error ("Unexpected server response: 407"): through a proxy it is
    // replaced by a ProxyError that names the proxy and what it answered, which the client reports as is.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && this.proxyFailure) {
        args[0] = this.proxyFailure(args[0]);
      }
      return super.emit(event, ...args);
    }
  }
  return ProxiedWebSocket as unknown as WebSocketConstructor;
}
