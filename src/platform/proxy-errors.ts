// ProxyErrors that say which proxy (its URL without credentials) and what it answered. Shared by the Node, Bun
// and Deno entries. Nothing from a proxy URL's user:password part reaches a message or a cause.
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
 * `type`: the answer's content type, if any. `cause`: the runtime's own error, already scrubbed (scrubbedCopy).
 */
export function proxyAnswerError(
  proxy: string,
  target: string,
  status: number,
  type: string,
  what: string,
  cause?: Error,
): ProxyError {
  const shown = shownProxy(proxy);
  const answered = `${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ''}`;
  const options = cause && { cause };
  // A 407 is always the proxy's own answer, whichever request it refused.
  if (what === 'CONNECT' || status === 407) {
    const hint = status === 407 ? ' (check the user and password in the proxy URL)' : '';
    return new ProxyError(shown, `Proxy ${shown} refused ${what} to ${target}: ${answered}${hint}`, status, options);
  }
  const expected = what === WS_HANDSHAKE ? 'a WebSocket upgrade (101)' : "Slack's JSON";
  return new ProxyError(
    shown,
    `Through proxy ${shown}, ${what} to ${target} was answered ${answered}${type ? ` (${type.split(';')[0]})` : ''}` +
      ` instead of ${expected}: a page from the proxy or a gateway on the way`,
    status,
    options,
  );
}

export const WS_HANDSHAKE = 'the WebSocket handshake';

/** A copy of `err` (name, message, code) scrubbed of the proxy's credentials: fit to be a ProxyError's cause. */
export function scrubbedCopy(err: unknown, proxy: string): Error {
  // fetch wraps the reason: "fetch failed" with the socket's error as its cause.
  const inner = (err as { cause?: unknown })?.cause ?? err;
  const own = err instanceof Error ? err.message : describe(err);
  const text = scrub(`${own}${inner !== err ? ` (${describe(inner)})` : ''}`, proxy);
  const code = String((inner as { code?: unknown })?.code ?? (err as { code?: unknown })?.code ?? '');
  const copy = Object.assign(new Error(text), code ? { code } : {});
  if (err instanceof Error) copy.name = err.name;
  return copy;
}

const UNREACHABLE =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ConnectionRefused)$/;

/** A failure on the way through the proxy: unreachable, a refused tunnel (as undici words it), or anything else. */
export function proxyFailure(proxy: string, target: string, err: unknown): ProxyError {
  const shown = shownProxy(proxy);
  const cause = scrubbedCopy(err, proxy);
  const text = cause.message;
  const code = String((cause as { code?: string }).code ?? '');
  const refused = /Proxy response \((\d{3})\)/.exec(text);
  if (refused) return proxyAnswerError(proxy, target, Number(refused[1]), '', 'CONNECT', cause);
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
 * An answer that came through `proxy`, checked: a 407 is the proxy's own refusal, and for the Web API (`expect`
 * 'json': Slack's Web API always answers JSON) anything but JSON came from something in between: both a
 * ProxyError. A response_url ('any') may be answered with plain text.
 */
export async function checkedAnswer(
  proxy: string,
  target: string,
  res: Response,
  expect: 'json' | 'any' = 'json',
): Promise<Response> {
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 407 && (expect === 'any' || /json/i.test(type))) return res;
  await res.body?.cancel().catch(() => undefined);
  if (res.status === 407) throw proxyAnswerError(proxy, target, 407, '', 'CONNECT');
  throw proxyAnswerError(proxy, target, res.status, type, 'the Web API request');
}

/**
 * What Bun's or Deno's WebSocket said of a handshake through `proxy` that failed, as a ProxyError. Bun says which
 * step failed ("Proxy connection failed: 403 Forbidden", "Proxy authentication required: 407 …", "Expected 101
 * status code: 200", "Failed to connect"); Deno gives a status alone ("Invalid status code: 403"), so there a
 * refusal by the proxy and an answer through it read the same; neither gives the answer's content type. Without
 * a status the error still names the proxy the socket went through, with the runtime's words.
 */
export function handshakeFailure(proxy: string, target: string, said: string): ProxyError {
  const shown = shownProxy(proxy);
  const text = scrub(said, proxy) || 'no reason given';
  const cause = new Error(text);
  const refused = /Proxy (?:connection failed|authentication required): (\d{3})/i.exec(text);
  if (refused) return proxyAnswerError(proxy, target, Number(refused[1]), '', 'CONNECT', cause);
  const answered = /(?:Expected 101 status code|Invalid status code): (\d{3})/i.exec(text);
  if (answered) return proxyAnswerError(proxy, target, Number(answered[1]), '', WS_HANDSHAKE, cause);
  // Through a proxy, the only connection the runtime makes itself is the one to the proxy.
  const unreachable = /(failed to connect|tcp connect error|connection refused)$/i.exec(text);
  if (unreachable) {
    return new ProxyError(shown, `Proxy ${shown} unreachable (${unreachable[1]}) on the way to ${target}`, undefined, {
      cause,
    });
  }
  return new ProxyError(shown, `Through proxy ${shown}, ${WS_HANDSHAKE} to ${target} failed: ${text}`, undefined, {
    cause,
  });
}

type ErrorListener = (ev: unknown) => void;

/**
 * Bun's and Deno's WebSocket report a failed handshake without naming the proxy ("Expected 101 status code:
 * 407"). Until the socket opens, its `error` listeners get an event whose `error` is a ProxyError (from
 * handshakeFailure) and whose message is that error's.
 */
export function nameProxyInErrors(socket: WebSocket, proxy: string, target: string): void {
  let open = false;
  socket.addEventListener('open', () => (open = true));
  const add = socket.addEventListener.bind(socket);
  const remove = socket.removeEventListener.bind(socket);
  const wrapped = new WeakMap<ErrorListener, ErrorListener>();
  // One ProxyError per failure, whichever listener sees it first.
  const explained = new WeakMap<object, object>();
  const explain = (ev: { message?: unknown }): object => {
    let out = explained.get(ev);
    if (!out) {
      const error = handshakeFailure(proxy, target, String(ev?.message ?? ''));
      explained.set(ev, (out = { type: 'error', message: error.message, error }));
    }
    return out;
  };
  socket.addEventListener = ((type: string, fn: ErrorListener, o?: unknown) => {
    if (type !== 'error' || typeof fn !== 'function') return add(type, fn, o as AddEventListenerOptions);
    const w: ErrorListener = (ev) => fn.call(socket, open || !ev || typeof ev !== 'object' ? ev : explain(ev));
    wrapped.set(fn, w);
    add(type, w, o as AddEventListenerOptions);
  }) as typeof socket.addEventListener;
  socket.removeEventListener = ((type: string, fn: ErrorListener, o?: unknown) =>
    remove(type, wrapped.get(fn) ?? fn, o as EventListenerOptions)) as typeof socket.removeEventListener;
}
