// Review of the runtime- and security-facing parts: each test pins one finding, over real loopback sockets
// where a socket is involved (no mocked WebSocket), or on the pure function itself.
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { chromium } from '@playwright/test';
import { afterEach, describe, expect, test } from 'vitest';
import { startDevPanel, type DevPanel } from '../src/devpanel/server.ts';
import { HandlerError, MalformedFrameError, NetworkError, RateLimitedError, callApi, redact, parseRetryAfter, type SocketModeError } from '../src/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
let panel: DevPanel | undefined;
afterEach(async () => {
  await panel?.close();
  panel = undefined;
  await h?.cleanup();
  h = undefined;
});

/** A raw HTTP/1.1 request over loopback, with exactly the headers given (Host included). */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev panel against real Slack: DNS rebinding', () => {
  // A page at http://rebind.attacker.example:PORT/ whose name the attacker re-points at 127.0.0.1 is, for the
  // browser, same-origin with the panel. A same-origin GET carries no Origin header, so the panel's "no Origin =
  // not a browser" rule lets it through: the attacker's page reads a live wss:// URL for the real app and
  // receives every envelope. The Host header is the only thing that tells this request apart.
  test('a same-origin GET from a rebound name (foreign Host, no Origin) gets no connection URL', async () => {
    h = await harness();
    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl });
    expect(panel.mode).toBe('slack');
    const opensBefore = h.sim.openCalls;
    const rebound = await rawRequest(panel.port, 'GET', '/connection-url', {
      host: `rebind.attacker.example:${panel.port}`,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
    });
    expect(rebound.body).not.toContain('ticket=');
    expect(rebound.status).toBe(403);
    expect(h.sim.openCalls).toBe(opensBefore);
  });

  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  test.skipIf(!existsSync(chromiumPath))('real Chromium: a page on a name rebound to 127.0.0.1 cannot read a connection URL', async () => {
    h = await harness();
    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl, staticDir: '/nonexistent-review-platform' });
    // The resolver rule stands in for the attacker's DNS answering 127.0.0.1 after the page has loaded.
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1'],
    });
    try {
      const page = await browser.newPage();
      const sentOrigin: Array<string | undefined> = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/connection-url')) sentOrigin.push(r.headers()['origin']);
      });
      await page.goto(`http://rebind.attacker.example:${panel.port}/healthz`);
      const [status, body] = await page.evaluate(async () => {
        const r = await fetch('/connection-url');
        return [r.status, await r.text()] as const;
      });
      expect(sentOrigin).toEqual([undefined]); // the browser sends no Origin: the Origin rule cannot catch it
      expect(body).not.toContain('ticket=');
      expect(status).toBe(403);
    } finally {
      await browser.close();
    }
  }, 60_000);

  test('the panel itself (loopback Host, own Origin) and a non-browser caller (loopback Host) still get one', async () => {
    h = await harness();
    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl });
    for (const host of [`127.0.0.1:${panel.port}`, `localhost:${panel.port}`]) {
      const own = await rawRequest(panel.port, 'POST', '/connection-url', { host, origin: `http://${host}` });
      expect(own.status, host).toBe(200);
      expect(JSON.parse(own.body).url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
      const curl = await rawRequest(panel.port, 'GET', '/connection-url', { host });
      expect(curl.status, host).toBe(200);
    }
  });
});

describe('Retry-After', () => {
  test('garbage that Date.parse happens to accept ("-1", "1 2") falls back to 60 s, not 0', () => {
    // The documented contract: "missing or garbage → 60 s". V8's Date.parse reads these as dates in 2001.
    for (const v of ['-1', '-60', '1 2', '1,2']) expect(parseRetryAfter(v), v).toBe(60_000);
  });

  test('an HTTP-date is still honoured, in the past it means now', () => {
    expect(parseRetryAfter(new Date(Date.now() + 120_000).toUTCString())).toBeGreaterThan(60_000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(0);
    expect(parseRetryAfter('30')).toBe(30_000);
  });

  test('a huge Retry-After never becomes a delay setTimeout fires at once', () => {
    // setTimeout runs a delay over 2^31-1 ms after 1 ms: a huge value would mean "retry at once".
    for (const v of ['3000000', '1e10', '99999999999']) expect(parseRetryAfter(v), v).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  test('a 429 with a huge Retry-After from apps.connections.open: the client waits, it does not retry at once', async () => {
    h = await harness();
    const overflow: string[] = [];
    const onWarning = (w: Error): void => {
      if (w.name === 'TimeoutOverflowWarning') overflow.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      h.sim.failNextOpen({ status: 429, retryAfterSec: 10_000_000 }, 1); // ~116 days
      const client = h.client();
      client.on('error', () => {});
      const delays: number[] = [];
      client.on('reconnecting', (e) => void delays.push(e.delayMs));
      void client.start().catch(() => undefined);
      await until(() => delays.length > 0, 'the rate-limited reconnect to be scheduled');
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      expect(overflow).toEqual([]);
      expect(delays[0]).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(h.sim.openCalls).toBe(1);
      await client.disconnect();
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('an openConnection hook that throws its own RateLimitedError with a huge wait: no timer overflow', async () => {
    h = await harness();
    const overflow: string[] = [];
    const onWarning = (w: Error): void => {
      if (w.name === 'TimeoutOverflowWarning') overflow.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      let hookCalls = 0;
      const client = h.client({
        openConnection: async () => {
          hookCalls++;
          throw new RateLimitedError('apps.connections.open', 1e12);
        },
      });
      client.on('error', () => {});
      const delays: number[] = [];
      client.on('reconnecting', (e) => void delays.push(e.delayMs));
      void client.start().catch(() => undefined);
      await until(() => delays.length > 0, 'the rate-limited reconnect to be scheduled');
      await new Promise((r) => setImmediate(r));
      expect(overflow).toEqual([]);
      expect(delays[0]).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(hookCalls).toBe(1);
      await client.disconnect();
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('callApi rateLimitRetries with a huge Retry-After waits (abortably) instead of retrying at once', async () => {
    h = await harness();
    let calls = 0;
    const overflow: string[] = [];
    const onWarning = (w: Error): void => {
      if (w.name === 'TimeoutOverflowWarning') overflow.push(w.message);
    };
    process.on('warning', onWarning);
    const ctl = new AbortController();
    try {
      // A real loopback round trip per call; the 429 is the simulator's answer to the first open call.
      h.sim.failNextOpen({ status: 429, retryAfterSec: 10_000_000 }, 1);
      const p = callApi('apps.connections.open', {}, {
        token: h.sim.appToken, apiUrl: h.sim.apiUrl, rateLimitRetries: 1, signal: ctl.signal,
        fetch: (i, r) => {
          calls++;
          return globalThis.fetch(i, r);
        },
      }).catch((e: unknown) => e);
      await until(() => calls === 1, 'the first call');
      await until(() => h!.sim.openCalls >= 1, 'the 429');
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      ctl.abort();
      const err = (await p) as SocketModeError;
      expect(overflow).toEqual([]);
      expect(calls).toBe(1);
      expect(err.code).toBe('disconnected');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('redaction of error causes', () => {
  // errors.ts: "Keep the cause but never an unredacted message on it" — true for Error causes only. A handler
  // (or an openConnection hook, a custom fetch, a dedupe store) that rejects with a string or a plain object
  // gets its message redacted, while `err.cause` carries the token as is.
  const token = 'xoxb-1234-5678-abcdefSECRET';
  test('a thrown string: HandlerError.cause holds no token', () => {
    const err = new HandlerError('app_mention', `posting failed with ${token}`);
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err.cause)).not.toContain(token);
  });
  test('a rejected plain object: NetworkError.cause holds no token', () => {
    const err = new NetworkError('chat.postMessage', { error: 'boom', headers: { authorization: `Bearer ${token}` } });
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err.cause)).not.toContain(token);
  });
  test('over a real client: the error event for a handler that rejects with a string carries no token', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    client.on('app_mention', async ({ ack }) => {
      await ack();
      throw `chat.postMessage failed for ${h!.sim.botToken}`; // eslint-disable-line no-throw-literal
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await until(() => errors.some((e) => e.code === 'handler_error'), 'the handler error');
    await client.disconnect();
    const err = errors.find((e) => e.code === 'handler_error')!;
    expect(err.message).not.toContain(h.sim.botToken);
    expect(String((err as { cause?: unknown }).cause)).not.toContain(h.sim.botToken);
  });
});

describe('redact: tokens after an escape or an encoding', () => {
  // TOKEN_RE began with \b: a token right after a word character was left as is — which is what JSON.stringify
  // makes of a newline or tab before it ("\nxoxb-…"), and what %20 or _ leave. describe() (used in error
  // messages for non-Error values) and MalformedFrameError.raw both hold JSON text.
  const token = 'xoxb-1234-5678-abcdefSECRET';
  test.each([`line\\n${token}`, `Bearer%20${token}`, `SLACK_${token}`, `a\\t${token}`])('redact(%s)', (text) => {
    expect(redact(text)).not.toContain('abcdefSECRET');
  });
  test('an encoded ticket (a wss URL inside another URL) is redacted', () => {
    const outer = `https://example.test/?next=${encodeURIComponent('wss://wss-primary.slack.com/link/?ticket=0123abcd&app_id=A1')}`;
    expect(redact(outer)).not.toContain('0123abcd');
  });
  test('HandlerError for a thrown object whose string has a newline before the token', () => {
    const err = new HandlerError('app_mention', { detail: `chat.postMessage failed\n${token}` });
    expect(err.message).not.toContain('abcdefSECRET');
  });
  test('over a real client: a malformed frame whose text has a newline before a token', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    await client.start();
    // JSON text of a frame that fails the schema: the string's newline is the two characters \ n on the wire.
    h.sim.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: 7, note: `oops\n${h.sim.botToken}` }));
    await until(() => errors.some((e) => e.code === 'malformed_frame'), 'the malformed frame error');
    await client.disconnect();
    const err = errors.find((e) => e.code === 'malformed_frame') as MalformedFrameError;
    expect(`${err.message} ${err.raw} ${err.details ?? ''} ${err.stack}`).not.toContain(h.sim.botToken);
  });
});
