// ProxyErrors that say which proxy (its URL without credentials) and what it answered. Shared by the Node and
// Bun entries. Nothing from a proxy URL's user:password part reaches a message or a cause.
import { ProxyError } from '../core/errors.ts';
import { describe } from '../core/describe.ts';
import { shownProxy } from './proxy-env.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `text` without any URL's user:password@ part, nor the proxy's own user or password anywhere. */
export function scrub(text: string, proxy: string): string {
  let out = text.replace(/\/\/[^/@\s]*@/g, '//');
  try {
    const u = new URL(proxy);
    for (const secret of [u.password, u.username]) {
      if (!secret) continue;
      for (const form of new Set([secret, decodeURIComponent(secret)])) out = out.split(form).join('[REDACTED]');
    }
  } catch {
    // Not a URL: the pattern above is all there is to go on.
  }
  return out;
}

/**
 * The proxy answered `status` where a tunnel (`what` = 'CONNECT') or the server's answer was expected.
 * `type`: the answer's content type, if any.
 */
export function proxyAnswerError(
  proxy: string,
  target: string,
  status: number,
  type: string,
  what: string,
): ProxyError {
  const shown = shownProxy(proxy);
  const answered = `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
  if (what === 'CONNECT') {
    const hint = status === 407 ? ' (check the user and password in the proxy URL)' : '';
    return new ProxyError(shown, `Proxy ${shown} refused CONNECT to ${target}: ${answered}${hint}`, status);
  }
  const expected = what === 'the WebSocket handshake' ? 'a WebSocket upgrade (101)' : "Slack's JSON";
  return new ProxyError(
    shown,
    `Through proxy ${shown}, ${what} to ${target} was answered ${answered}${type ? ` (${type.split(';')[0]})` : ''}` +
      ` instead of ${expected}: a page from the proxy or a gateway on the way`,
    status,
  );
}

const UNREACHABLE =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ConnectionRefused)$/;

/** A failure on the way through the proxy: unreachable, a refused tunnel (as undici words it), or anything else. */
export function proxyFailure(proxy: string, target: string, err: unknown): ProxyError {
  const shown = shownProxy(proxy);
  // fetch wraps the reason: "fetch failed" with the socket's error as its cause.
  const inner = (err as { cause?: unknown })?.cause ?? err;
  const text = scrub(`${describe(err)}${inner !== err ? ` (${describe(inner)})` : ''}`, proxy);
  const code = String((inner as { code?: unknown })?.code ?? (err as { code?: unknown })?.code ?? '');
  const cause = Object.assign(new Error(text), code ? { code } : {});
  const refused = /Proxy response \((\d{3})\)/.exec(text);
  if (refused) {
    const e = proxyAnswerError(proxy, target, Number(refused[1]), '', 'CONNECT');
    return new ProxyError(e.proxy, e.message, e.status, { cause });
  }
  if (UNREACHABLE.test(code) || /connection refused|failed to connect to the proxy/i.test(text)) {
    return new ProxyError(
      shown,
      `Proxy ${shown} unreachable (${code || 'connection refused'}) on the way to ${target}`,
      undefined,
      { cause },
    );
  }
  return new ProxyError(shown, `Through proxy ${shown} to ${target}: ${text}`, undefined, { cause });
}

/**
 * A Web API answer that came through `proxy`, checked: a 407 is the proxy's own refusal, and anything but JSON
 * (Slack's Web API always answers JSON) came from something in between: both a ProxyError.
 */
export async function checkedAnswer(proxy: string, target: string, res: Response): Promise<Response> {
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 407 && /json/i.test(type)) return res;
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 407) throw proxyAnswerError(proxy, target, 407, '', 'CONNECT');
  throw proxyAnswerError(proxy, target, res.status, type, 'the Web API request');
}

type ErrorListener = (ev: unknown) => void;

/**
 * Bun's and Deno's WebSocket report a failed handshake without naming the proxy ("Expected 101 status code:
 * 407"). Until the socket opens, its `error` listeners get an event whose message names the proxy (without
 * credentials) before the runtime's own words.
 */
export function nameProxyInErrors(socket: WebSocket, proxy: string, target: string): void {
  let open = false;
  socket.addEventListener('open', () => (open = true));
  const add = socket.addEventListener.bind(socket);
  const remove = socket.removeEventListener.bind(socket);
  const wrapped = new WeakMap<ErrorListener, ErrorListener>();
  const explained = (ev: { message?: unknown; error?: unknown }): object => ({
    type: 'error',
    message: scrub(
      `Through proxy ${shownProxy(proxy)}, the WebSocket handshake to ${target} failed: ${String(ev?.message || 'no reason given')}`,
      proxy,
    ),
    error: ev?.error,
  });
  socket.addEventListener = ((type: string, fn: ErrorListener, o?: unknown) => {
    if (type !== 'error' || typeof fn !== 'function') return add(type, fn, o as AddEventListenerOptions);
    const w: ErrorListener = (ev) => fn.call(socket, open ? ev : explained(ev as { message?: unknown }));
    wrapped.set(fn, w);
    add(type, w, o as AddEventListenerOptions);
  }) as typeof socket.addEventListener;
  socket.removeEventListener = ((type: string, fn: ErrorListener, o?: unknown) =>
    remove(type, wrapped.get(fn) ?? fn, o as EventListenerOptions)) as typeof socket.removeEventListener;
}
