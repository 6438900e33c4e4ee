import { describe, expect, test } from 'vitest';
import {
  Backoff,
  HandlerError,
  HttpError,
  InvalidOptionsError,
  MemoryDedupeStore,
  NetworkError,
  RateLimitedError,
  SlackApiError,
  callApi,
  isLoopbackHost,
  parseRetryAfter,
  redactingLogger,
  type Logger,
} from '../src/index.ts';

describe('Backoff', () => {
  test('full jitter within an exponentially growing, capped ceiling', () => {
    const hi = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2 }, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(() => hi.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const lo = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(lo.next()).toBe(0);
    expect(lo.next(250)).toBe(250); // floor (Retry-After, too_many_websockets)
    // After a healthy connection: the first retry at once (even with a high draw), then back off from initialMs.
    hi.reset();
    expect([1, 2, 3].map(() => hi.next())).toEqual([0, 99, 199]);
    expect(hi.attempts).toBe(2);
  });
  test('draws a fresh random value per attempt', () => {
    const draws: number[] = [0.1, 0.9, 0.5];
    const b = new Backoff({ initialMs: 1000, maxMs: 1000 }, () => draws.shift()!);
    expect([b.next(), b.next(), b.next()]).toEqual([100, 900, 500]);
  });
});

describe('MemoryDedupeStore', () => {
  test('remembers keys for ttl, bounded size', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ ttlMs: 1000, maxEntries: 3, now: () => now });
    expect(s.seen('a')).toBe(false);
    expect(s.seen('a')).toBe(true);
    now = 1500;
    expect(s.seen('a')).toBe(false); // expired
    s.seen('b');
    s.seen('c');
    s.seen('d');
    expect(s.size).toBeLessThanOrEqual(3);
    // The newest maxEntries/2 keys are always still known; the oldest went first.
    expect(s.seen('d')).toBe(true);
    expect(s.seen('c')).toBe(true);
    expect(s.seen('a')).toBe(false);
  });
  test('bound: never more than maxEntries keys, always at least the newest maxEntries/2', () => {
    const s = new MemoryDedupeStore({ ttlMs: 60_000, maxEntries: 101, now: () => 0 });
    for (let i = 0; i < 1000; i++) {
      expect(s.seen(`event:E${i}`)).toBe(false);
      expect(s.size).toBeLessThanOrEqual(101);
      for (let back = 0; back < 51 && back <= i; back += 10) expect(s.seen(`event:E${i - back}`)).toBe(true);
    }
  });
  test('TTL is exact per key across generations, and forget() un-records in either generation', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ ttlMs: 1000, maxEntries: 1000, now: () => now });
    s.seen('envelope:x');
    now = 600;
    s.seen('event:y');
    now = 1100; // the generation holding x rotates out of "current"; y is still fresh
    expect(s.seen('event:y')).toBe(true);
    expect(s.seen('envelope:x')).toBe(false);
    s.forget('envelope:x');
    expect(s.seen('envelope:x')).toBe(false);
    s.forget('event:y');
    expect(s.seen('event:y')).toBe(false);
    now = 1599;
    expect(s.seen('event:y')).toBe(true);
    now = 2100;
    expect(s.seen('event:y')).toBe(false);
  });
  test('fingerprints: 200,000 distinct ids are all new once and all known after; namespaces never mix', () => {
    const s = new MemoryDedupeStore({ ttlMs: 60_000, maxEntries: 500_000, now: () => 0 });
    const N = 200_000;
    // Ids shaped like Slack's (event ids, UUID-ish envelope ids), plus near-identical neighbours.
    const id = (i: number) => (i % 2 ? `Ev0${i.toString(36).toUpperCase().padStart(8, '0')}` : `${i.toString(16).padStart(8, '0')}-86ba-4159-9c53-3009390c0401`);
    let falseHits = 0;
    for (let i = 0; i < N; i++) if (s.seenEvent(id(i))) falseHits++;
    expect(falseHits).toBe(0);
    let misses = 0;
    for (let i = 0; i < N; i++) if (!s.seen(`event:${id(i)}`)) misses++;
    expect(misses).toBe(0);
    expect(s.seenEnvelope(id(1))).toBe(false);
    expect(s.seen(id(3))).toBe(false);
    expect(s.seen(`envelope:${id(1)}`)).toBe(true);
    expect(s.seen('')).toBe(false);
    expect(s.seen('')).toBe(true);
  });
  test('default ttl is at least 10 minutes', () => {
    let now = 0;
    const s = new MemoryDedupeStore({ now: () => now });
    s.seen('k');
    now = 10 * 60_000;
    expect(s.seen('k')).toBe(true);
  });
});

describe('url and retry-after helpers', () => {
  test.each([
    ['localhost', true], ['127.0.0.1', true], ['127.8.9.10', true], ['[::1]', true],
    ['128.0.0.1', false], ['example.com', false], ['127.0.0.1.evil.com', false], ['127.0.0.256', false],
  ])('isLoopbackHost(%s) = %s', (host, want) => expect(isLoopbackHost(host)).toBe(want));
  test('parseRetryAfter', () => {
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(null)).toBe(60_000);
    expect(parseRetryAfter('garbage')).toBe(60_000);
  });
});

describe('callApi with a stub fetch', () => {
  const token = 'xoxb-1111-2222-secretsecret';
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const stub = (res: () => Response | Promise<Response>) => (url: string, init?: RequestInit) => {
    calls.push({ url, init: init! });
    return Promise.resolve(res());
  };
  test('form body, bearer header, ok response', async () => {
    calls.length = 0;
    const out = await callApi('chat.postMessage', { channel: 'C1', blocks: [{ type: 'divider' }], skip: undefined }, {
      token,
      fetch: stub(() => Response.json({ ok: true, ts: '1' })),
    });
    expect(out.ts).toBe('1');
    expect(calls[0]!.url).toBe('https://slack.com/api/chat.postMessage');
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe(`Bearer ${token}`);
    expect(calls[0]!.init.body).toBe('channel=C1&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D');
  });
  test('JSON body with the token in the header; a token in a JSON body (which Slack ignores) is refused unsent', async () => {
    calls.length = 0;
    await callApi('x.y', { a: 1 }, { token, asJson: true, fetch: stub(() => Response.json({ ok: true })) });
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ a: 1 });
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe(`Bearer ${token}`);
    calls.length = 0;
    const err = await callApi('x.y', { a: 1 }, { token, asJson: true, tokenIn: 'body', fetch: stub(() => Response.json({ ok: true })) }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(String(err.message)).not.toContain(token);
    expect(calls).toHaveLength(0);
  });
  test('typed errors that never contain the token', async () => {
    const errs = await Promise.all([
      callApi('m', {}, { token, fetch: stub(() => Response.json({ ok: false, error: `invalid_auth ${token}` })) }).catch((e) => e),
      callApi('m', {}, { token, fetch: stub(() => new Response('', { status: 429, headers: { 'retry-after': '3' } })) }).catch((e) => e),
      callApi('m', {}, { token, fetch: stub(() => new Response('oops', { status: 503 })) }).catch((e) => e),
      callApi('m', {}, { token, fetch: () => Promise.reject(new Error(`ECONNRESET while sending ${token}`)) }).catch((e) => e),
      callApi('m', {}, { token, fetch: stub(() => new Response('not json')) }).catch((e) => e),
    ]);
    expect(errs[0]).toBeInstanceOf(SlackApiError);
    expect(errs[1]).toBeInstanceOf(RateLimitedError);
    expect((errs[1] as RateLimitedError).retryAfterMs).toBe(3000);
    expect(errs[2]).toBeInstanceOf(HttpError);
    expect((errs[2] as HttpError).status).toBe(503);
    expect(errs[3]).toBeInstanceOf(NetworkError);
    expect(errs[4]).toBeInstanceOf(HttpError);
    for (const e of errs) expect(`${e.message} ${e.stack} ${JSON.stringify(e)} ${String(e.cause?.message)}`).not.toContain(token);
  });
  test('rateLimitRetries waits Retry-After and retries', async () => {
    let n = 0;
    const out = await callApi('m', {}, {
      rateLimitRetries: 1,
      fetch: () => Promise.resolve(n++ === 0 ? new Response('', { status: 429, headers: { 'retry-after': '0' } }) : Response.json({ ok: true })),
    });
    expect(out.ok).toBe(true);
    expect(n).toBe(2);
  });
});

describe('redactingLogger', () => {
  test('redacts strings, errors and nested objects', () => {
    const seen: unknown[][] = [];
    const inner: Logger = {
      debug: (...a) => void seen.push(a), info: (...a) => void seen.push(a), warn: (...a) => void seen.push(a), error: (...a) => void seen.push(a),
      setLevel: () => {}, getLevel: () => 'debug', setName: () => {},
    };
    const log = redactingLogger(inner);
    const tok = 'xapp-1-A1-1-abcdef123';
    const circular: Record<string, unknown> = { tok };
    circular.self = circular;
    log.warn(`a ${tok}`, new Error(`b ${tok}`), { deep: [{ t: tok }] }, circular);
    const dumped = seen.map((a) => a.map((x) => (x instanceof Error ? `${x.message}${x.stack}` : JSON.stringify(x))).join(' ')).join('\n');
    expect(dumped).not.toContain('abcdef123');
    expect(dumped).toContain('[REDACTED]');
  });
  test('class instances and errors nested in objects are redacted too; a throwing logger is swallowed', () => {
    const seen: unknown[] = [];
    const inner = { warn: (...a: unknown[]) => void seen.push(...a), error: () => { throw new Error('broken'); } } as unknown as Logger;
    const log = redactingLogger(inner);
    const tok = 'xoxb-1-2-abcdef123';
    class Req {
      headers = { authorization: `Bearer ${tok}` };
    }
    log.warn(new Req(), { err: new Error(`failed for ${tok}`) }, 7, undefined);
    expect(JSON.stringify(seen)).not.toContain('abcdef123');
    expect(seen[0]).toEqual({ headers: { authorization: 'Bearer xoxb-[REDACTED]' } });
    expect(seen[1]).toEqual({ err: 'Error: failed for xoxb-[REDACTED]' });
    expect(seen.slice(2)).toEqual([7, undefined]);
    expect(() => log.error('x')).not.toThrow();
  });
});

describe('errors', () => {
  test('name, instanceof, a redacted cause kept as Error.cause, a stack that names the class', () => {
    const tok = 'xoxb-1-2-abcdef123';
    const err = new HandlerError('app_mention', Object.assign(new Error(`boom ${tok}`), { code: 'E_BOOM' }), 'E1');
    expect(err).toBeInstanceOf(HandlerError);
    expect([err.name, err.code, err.event, err.envelopeId]).toEqual(['HandlerError', 'handler_error', 'app_mention', 'E1']);
    const cause = err.cause as Error & { code?: string };
    expect([cause.name, cause.message, cause.code]).toEqual(['Error', 'boom xoxb-[REDACTED]', 'E_BOOM']);
    expect(err.stack?.split('\n')[0]).toBe('HandlerError: Handler for "app_mention" failed: Error: boom xoxb-[REDACTED]');
    expect(`${err.stack} ${cause.stack} ${JSON.stringify(err)}`).not.toContain('abcdef123');
  });
});
