// The Web API helpers: callApi (form and JSON bodies, typed errors, rate-limit retries) and respond(),
// against the simulator and against a stub fetch.
import { afterEach, describe, expect, test } from 'vitest';
import {
  HttpError,
  InvalidOptionsError,
  NetworkError,
  ProxyError,
  RateLimitedError,
  SlackApiError,
  callApi,
  respond,
} from '../src/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('web api helpers', () => {
  test('callApi (form and JSON) and respond() against the simulator', async () => {
    h = await harness();
    const { sim } = h;
    const r1 = await callApi(
      'chat.postMessage',
      { channel: 'C111', text: 'form' },
      { token: sim.botToken, apiUrl: sim.apiUrl },
    );
    expect(r1.ok).toBe(true);
    const r2 = await callApi(
      'chat.postMessage',
      { channel: 'C111', text: 'json', blocks: [] },
      { token: sim.botToken, apiUrl: sim.apiUrl, asJson: true },
    );
    expect(r2.ok).toBe(true);
    await until(() => sim.posted.filter((p) => p.kind === 'chat.postMessage').length === 2, 'posted');
    const env = sim.inject('slash_command');
    await respond((env.payload as { response_url: string }).response_url, { text: 'done', response_type: 'ephemeral' });
    await until(() => sim.posted.some((p) => p.kind === 'response_url'), 'response_url post');
    expect(sim.posted.find((p) => p.kind === 'response_url')!.body).toMatchObject({ text: 'done' });
    const err = await callApi('chat.postMessage', {}, { token: 'xoxb-0-bad', apiUrl: sim.apiUrl }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlackApiError);
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
    const out = await callApi(
      'chat.postMessage',
      { channel: 'C1', blocks: [{ type: 'divider' }], skip: undefined },
      {
        token,
        fetch: stub(() => Response.json({ ok: true, ts: '1' })),
      },
    );
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
    const err = await callApi(
      'x.y',
      { a: 1 },
      { token, asJson: true, tokenIn: 'body', fetch: stub(() => Response.json({ ok: true })) },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(String(err.message)).not.toContain(token);
    expect(calls).toHaveLength(0);
  });
  test('typed errors that never contain the token', async () => {
    const errs = await Promise.all([
      callApi(
        'm',
        {},
        { token, fetch: stub(() => Response.json({ ok: false, error: `invalid_auth ${token}` })) },
      ).catch((e) => e),
      callApi(
        'm',
        {},
        { token, fetch: stub(() => new Response('', { status: 429, headers: { 'retry-after': '3' } })) },
      ).catch((e) => e),
      callApi('m', {}, { token, fetch: stub(() => new Response('oops', { status: 503 })) }).catch((e) => e),
      callApi('m', {}, { token, fetch: () => Promise.reject(new Error(`ECONNRESET while sending ${token}`)) }).catch(
        (e) => e,
      ),
      callApi('m', {}, { token, fetch: stub(() => new Response('not json')) }).catch((e) => e),
    ]);
    expect(errs[0]).toBeInstanceOf(SlackApiError);
    expect(errs[1]).toBeInstanceOf(RateLimitedError);
    expect((errs[1] as RateLimitedError).retryAfterMs).toBe(3000);
    expect(errs[2]).toBeInstanceOf(HttpError);
    expect((errs[2] as HttpError).status).toBe(503);
    expect(errs[3]).toBeInstanceOf(NetworkError);
    expect(errs[4]).toBeInstanceOf(HttpError);
    for (const e of errs)
      expect(`${e.message} ${e.stack} ${JSON.stringify(e)} ${String(e.cause?.message)}`).not.toContain(token);
  });
  test('rateLimitRetries waits Retry-After and retries', async () => {
    let n = 0;
    const out = await callApi(
      'm',
      {},
      {
        rateLimitRetries: 1,
        fetch: () =>
          Promise.resolve(
            n++ === 0
              ? new Response('', { status: 429, headers: { 'retry-after': '0' } })
              : Response.json({ ok: true }),
          ),
      },
    );
    expect(out.ok).toBe(true);
    expect(n).toBe(2);
  });
  test("a platform fetch's ProxyError reaches the caller as is from callApi and respond; other failures are NetworkError", async () => {
    const proxied = () => Promise.reject(new ProxyError('http://proxy.example:3128', 'Proxy refused CONNECT', 407));
    for (const call of [
      () => callApi('chat.postMessage', {}, { fetch: proxied }),
      () => respond('https://hooks.slack.com/commands/1', 'x', { fetch: proxied }),
    ]) {
      await expect(call()).rejects.toMatchObject({
        name: 'ProxyError',
        status: 407,
        proxy: 'http://proxy.example:3128',
      });
    }
    const broken = () => Promise.reject(new TypeError('fetch failed'));
    await expect(respond('https://hooks.slack.com/commands/1', 'x', { fetch: broken })).rejects.toBeInstanceOf(
      NetworkError,
    );
  });
});
