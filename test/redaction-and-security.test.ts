// Security properties, over real sockets against the simulator:
// - plain ws:/http: only to loopback: every other URL is refused before any socket or request is made;
// - oversized frames are refused unparsed (never reach user code) and the connection keeps working;
// - no token (app, bot, wrong ones) and no wss ticket appears in any log line at any level (debug included),
//   in any emitted event payload, or in any error (message, stack, cause, own fields);
// - redact() and redactingLogger themselves, tokens refused before any network call, typed errors.
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  DisconnectedError,
  HandlerError,
  HttpError,
  InsecureUrlError,
  InvalidTokenError,
  MalformedFrameError,
  NetworkError,
  SocketModeClient,
  SocketModeError,
  callApi,
  respond,
  type Logger,
  type SocketModeOptions,
} from '../src/index.ts';
import { assertSecureUrl, isLoopbackHost } from '../src/core/url.ts';
import { redact } from '../src/core/redact.ts';
import { redactingLogger } from '../src/core/logger.ts';
import { captureLogger, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** A real `ws` socket class that counts constructions (not a mock: every instance is a live socket). */
function countingWebSocket(): { WS: SocketModeOptions['WebSocket']; count: () => number } {
  let n = 0;
  class Counting extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      n++;
    }
  }
  return { WS: Counting as unknown as SocketModeOptions['WebSocket'], count: () => n };
}

describe('wss/https only, unless loopback', () => {
  const allowedWs = [
    'wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1',
    'ws://127.0.0.1:3300/link/',
    'ws://127.45.6.7/link/',
    'ws://localhost:3300/link/',
    'ws://sim.localhost/link/',
    'ws://[::1]:3300/link/',
  ];
  const refusedWs = [
    'ws://example.com/link/',
    'ws://wss-primary.slack.com/link/',
    'ws://127.0.0.1.evil.example/link/',
    'ws://localhost.evil.example/link/',
    'ws://127.0.0.1@evil.example/link/', // userinfo trick: the host is evil.example
    'ws://0.0.0.0/link/',
    'ws://10.0.0.1/link/',
    'ws://[::ffff:7f00:1]/link/',
    'http://127.0.0.1/link/', // right host, wrong scheme
    'https://slack.com/link/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    '',
    'not a url',
  ];
  test.each(allowedWs)('accepted: %s', (url) => {
    expect(() => assertSecureUrl(url, 'wss:')).not.toThrow();
  });
  test.each(refusedWs)('refused: %s', (url) => {
    expect(() => assertSecureUrl(url, 'wss:')).toThrow(InsecureUrlError);
  });
  test('loopback detection is exact', () => {
    for (const host of ['localhost', '127.0.0.1', '127.255.255.255', '[::1]', 'a.localhost'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['localhost.com', '127.0.0.256', '128.0.0.1', '0.0.0.0', '[::]', 'evil-localhost', ''])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  test('a non-loopback ws: URL from openConnection is fatal before any socket is opened', async () => {
    const { logger } = captureLogger();
    const { WS, count } = countingWebSocket();
    for (const url of [
      'ws://example.com/link/?ticket=t1',
      'ws://127.0.0.1@evil.example/link/',
      'http://127.0.0.1/link/',
    ]) {
      const client = new SocketModeClient({ openConnection: async () => url, WebSocket: WS, logger });
      const err = await client.start().catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(InsecureUrlError);
      expect(String((err as Error).message)).not.toContain('t1');
      await client.disconnect();
    }
    expect(count()).toBe(0);
  });

  test('http: API URLs and response_urls off loopback are refused before any request', async () => {
    let fetches = 0;
    const fetch = (async () => {
      fetches++;
      return new Response('{"ok":true}');
    }) as unknown as typeof globalThis.fetch;
    expect(() => new SocketModeClient({ appToken: 'xapp-1-x', apiUrl: 'http://slack.example/api/' })).toThrow(
      InsecureUrlError,
    );
    await expect(
      callApi('auth.test', {}, { token: 'xoxb-1', apiUrl: 'http://slack.example/api/', fetch }),
    ).rejects.toBeInstanceOf(InsecureUrlError);
    await expect(respond('http://hooks.example/commands/1', 'x', { fetch })).rejects.toBeInstanceOf(InsecureUrlError);
    await expect(
      callApi('auth.test', {}, { token: 'xoxb-1', apiUrl: 'http://127.0.0.1:1/api/', fetch }),
    ).resolves.toMatchObject({ ok: true });
    expect(fetches).toBe(1);
  });
});

describe('oversized frames', () => {
  test('a frame over maxFrameBytes is refused unparsed, never reaches a handler, and the socket keeps working', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ maxFrameBytes: 16 * 1024 });
    const handled: string[] = [];
    const errors: SocketModeError[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      handled.push(envelope_id);
      return ack();
    });
    client.on('error', (e) => void errors.push(e));
    await client.start();
    const big = {
      envelope_id: 'too-big-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/x', text: 'y'.repeat(20 * 1024) },
    };
    sim.sendRaw(JSON.stringify(big));
    sim.sendRaw(new TextEncoder().encode(JSON.stringify({ ...big, envelope_id: 'too-big-2' })), { binary: true });
    // Just under the limit: delivered.
    const fits = { ...big, envelope_id: 'fits-1', payload: { command: '/x', text: 'y'.repeat(15 * 1024) } };
    sim.sendEnvelope(fits);
    await sim.waitForAck('fits-1', 5000);
    const next = sim.inject('app_mention');
    await sim.waitForAck(next.envelope_id, 5000);
    await until(() => errors.length >= 2, 'errors');
    expect(errors.map((e) => (e as MalformedFrameError).reason)).toEqual(['too_large', 'too_large']);
    expect(errors.every((e) => e instanceof MalformedFrameError)).toBe(true);
    expect(handled).toEqual(['fits-1', next.envelope_id]);
    expect(sim.acks.map((a) => a.envelope_id)).not.toContain('too-big-1');
    expect(client.connectionCount).toBe(1);
  });

  test('the default limit (1 MiB) applies too', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    const handled: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => (handled.push(envelope_id), ack()));
    client.on('error', (e) => void errors.push(e));
    await client.start();
    h.sim.sendRaw(
      JSON.stringify({
        envelope_id: 'huge',
        type: 'events_api',
        payload: { event: { type: 'message', text: 'z'.repeat(1024 * 1024) } },
      }),
    );
    const next = h.sim.inject('message');
    await h.sim.waitForAck(next.envelope_id, 5000);
    await until(() => errors.length >= 1, 'error');
    expect((errors[0] as MalformedFrameError).reason).toBe('too_large');
    expect(handled).toEqual([next.envelope_id]);
  });
});

describe('token redaction everywhere', () => {
  test('no token or ticket in any log line (debug level), emitted event or error', async () => {
    h = await harness({ maxConnections: 2, refreshWarningLeadMs: 50, refreshCloseDelayMs: 20 });
    const { sim } = h;
    const secrets = [
      sim.appToken,
      sim.botToken,
      'xapp-1-A111-1-wrongwrongwrong',
      'xoxb-9-wrong-token-xyz',
      'xoxp-5-user-token-abc',
    ];
    // Every wss ticket the simulator hands out is a credential while fresh: record them from the responses.
    const tickets: string[] = [];
    const recordingFetch = (async (input: string, init?: RequestInit) => {
      const res = await globalThis.fetch(input, init);
      const copy = res.clone();
      try {
        const body = (await copy.json()) as { url?: string };
        const t = body.url ? new URL(body.url).searchParams.get('ticket') : null;
        if (t) tickets.push(t);
      } catch {
        // not JSON
      }
      return res;
    }) as unknown as typeof globalThis.fetch;

    const everything: unknown[] = [];
    const EVENTS = [
      'connecting',
      'authenticated',
      'connected',
      'reconnecting',
      'disconnecting',
      'disconnected',
      'ghost_connections',
      'too_many_websockets',
      'error',
      'slack_event',
      'slash_commands',
      'interactive',
      'unknown_envelope',
      'app_mention',
    ] as const;
    const watch = (c: SocketModeClient): void => {
      for (const ev of EVENTS) c.on(ev as 'connected', (e: unknown) => void everything.push(e));
    };

    // 1. A pool of 2 against a cap of 2: a swap is refused (too_many_websockets), and a ghost is counted.
    const client = h.client({ connections: 2, logLevel: 'debug', fetch: recordingFetch });
    watch(client);
    let refused = 0;
    client.on('too_many_websockets', () => void refused++);
    client.on('app_mention', ({ ack }) => {
      void ack();
      throw new Error(`handler leaked ${sim.appToken} and ${sim.botToken}`);
    });
    client.on('slash_commands', async ({ ack }) => {
      await ack({ text: 'fine' });
      throw new Error(`async handler leaked ${sim.botToken}`);
    });
    await client.start();
    await until(() => client.connectionCount === 2, 'pool');
    // malformed frames carrying tokens and a ticket
    sim.sendRaw(`{"bad": "${sim.appToken}" ticket=${tickets[0]}`);
    sim.sendRaw(JSON.stringify({ type: 'events_api', envelope_id: 5, token: sim.botToken }));
    sim.sendRaw(new TextEncoder().encode(`\u00ff${sim.appToken}`), { binary: true });
    const m = sim.inject('app_mention');
    const sc = sim.inject('slash_command');
    await sim.waitForAck(m.envelope_id, 5000);
    await sim.waitForAck(sc.envelope_id, 5000);
    sim.refresh({ warning: true }); // the swap needs a third socket: refused at the cap of 2
    await until(() => refused > 0, 'too_many_websockets event', 10_000);
    sim.drop();
    await until(() => client.connectionCount >= 1, 'reconnected', 10_000);
    await client.disconnect();

    // 2. openConnection that fails with a token in its error (transient), then a fatal bad token.
    let calls = 0;
    const flaky = h.client({
      logLevel: 'debug',
      openConnection: async () => {
        if (++calls === 1) throw new Error(`backend said no for ${sim.appToken}`);
        const res = await callApi('apps.connections.open', {}, { token: sim.appToken, apiUrl: sim.apiUrl });
        return res.url as string;
      },
    });
    watch(flaky);
    await flaky.start();
    await flaky.disconnect();
    const bad = h.client({ appToken: 'xapp-1-A111-1-wrongwrongwrong', logLevel: 'debug' });
    watch(bad);
    everything.push(await bad.start().catch((e: unknown) => e));
    everything.push(
      await callApi('auth.test', {}, { token: 'xoxb-9-wrong-token-xyz', apiUrl: sim.apiUrl }).catch((e: unknown) => e),
    );
    everything.push(
      await callApi(
        'chat.postMessage',
        { text: 'xoxp-5-user-token-abc' },
        { token: 'xoxp-5-user-token-abc', apiUrl: 'http://slack.example/' },
      ).catch((e: unknown) => e),
    );
    try {
      new SocketModeClient({ appToken: 'xoxp-5-user-token-abc' });
    } catch (e) {
      everything.push(e);
    }

    const dumpError = (x: Error): string => {
      const cause = (x as { cause?: unknown }).cause;
      return [
        x.message,
        x.stack,
        String(x),
        JSON.stringify(x),
        cause instanceof Error ? `${cause.message} ${cause.stack}` : JSON.stringify(cause),
      ].join(' ');
    };
    const dump = (x: unknown): string =>
      x instanceof Error
        ? dumpError(x)
        : JSON.stringify(x, (_k, v) => (typeof v === 'function' ? `fn` : v instanceof Error ? dumpError(v) : v));
    const errors = everything.filter((e) => e instanceof Error);
    const text = `${everything.map(dump).join('\n')}\n${h.lines.join('\n')}`;

    // The scenario really went through the interesting paths…
    expect(tickets.length).toBeGreaterThan(2);
    expect(h.lines.filter((l) => l.startsWith('debug')).length).toBeGreaterThan(5);
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('too_many_websockets'))).toBe(true);
    expect(h.lines.some((l) => l.includes('backend said no'))).toBe(true);
    expect(errors.some((e) => e instanceof MalformedFrameError)).toBe(true);
    expect(errors.some((e) => (e as SocketModeError).code === 'handler_error')).toBe(true);
    expect(errors.some((e) => (e as SocketModeError).code === 'slack_api_error')).toBe(true);
    expect(text).toContain('[REDACTED]');
    // …and nothing secret came out of any of them.
    for (const s of [...secrets, ...tickets]) expect(text, `leaked ${s.slice(0, 6)}…`).not.toContain(s);
  }, 30_000);
});

describe('tokens and security', () => {
  test('non-xapp tokens are refused before any network call, without echoing the token', async () => {
    h = await harness();
    for (const t of [h.sim.botToken, 'xoxp-1-2-3-secretsecret', 'nonsense-token-value']) {
      let err: unknown;
      try {
        new SocketModeClient({ appToken: t, apiUrl: h.sim.apiUrl });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidTokenError);
      expect(String(err) + (err as Error).stack).not.toContain(t);
    }
    expect(() => new SocketModeClient({})).toThrow(InvalidTokenError);
    // An env var that is set but empty is the usual way to get here: the message says so.
    expect(() => new SocketModeClient({ appToken: '' })).toThrow(/empty/);
    expect(h.sim.openCalls).toBe(0);
  });

  test('a wrong apiUrl: errors and the retry warning name the URL tried and what went wrong', async () => {
    h = await harness();
    const { sim } = h;
    // The simulator's root instead of its /api/ base.
    const notFound = await callApi('auth.test', {}, { token: sim.botToken, apiUrl: sim.url }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(HttpError);
    expect((notFound as HttpError).status).toBe(404);
    expect((notFound as Error).message).toContain(`${sim.url}/auth.test`);
    expect((notFound as Error).message).toContain('apiUrl');
    // Nothing listening: a port that was free a moment ago.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const refused = await callApi('auth.test', {}, { apiUrl: `http://127.0.0.1:${port}/api/` }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as Error).message).toContain(`http://127.0.0.1:${port}/api/auth.test`);
    expect((refused as Error).message).toContain('ECONNREFUSED');
    // What a newcomer sees while start() keeps retrying: the log says where it asked.
    const client = h.client({ apiUrl: sim.url });
    const started = client.start().catch((e: unknown) => e);
    await until(() => h!.lines.some((l) => l.includes(`${sim.url}/apps.connections.open`)), 'a warning naming the URL');
    await client.disconnect();
    expect(await started).toBeInstanceOf(DisconnectedError);
  });

  test('token never appears in logs, errors, thrown messages or event data', async () => {
    h = await harness();
    const { sim } = h;
    const token = sim.appToken;
    const everything: unknown[] = [];
    const client = h.client({ logLevel: 'debug' });
    for (const ev of [
      'connecting',
      'authenticated',
      'connected',
      'reconnecting',
      'disconnecting',
      'disconnected',
      'error',
      'slack_event',
    ] as const) {
      client.on(ev, (e: unknown) => void everything.push(e));
    }
    client.on('app_mention', ({ ack }) => {
      void ack();
      throw new Error(`handler leaked ${token} and ${sim.botToken}`);
    });
    await client.start();
    sim.sendRaw(`{"bad": "${token}"`);
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    await until(() => everything.filter((e) => e instanceof SocketModeError).length >= 2, 'errors');
    sim.drop();
    await until(() => client.connectionCount === 1 && sim.openCalls === 2, 'reconnected');
    await client.disconnect();

    // A fatal open error, and callApi errors.
    const bad = h.client({ appToken: 'xapp-1-A111-1-wrongwrongwrong' });
    bad.on('error', (e) => void everything.push(e));
    const startErr = await bad.start().catch((e: unknown) => e);
    everything.push(startErr);
    const apiErr = await callApi('auth.test', {}, { token: 'xoxb-9-wrong-token-xyz', apiUrl: sim.apiUrl }).catch(
      (e: unknown) => e,
    );
    everything.push(apiErr);

    const dump = (x: unknown): string =>
      x instanceof Error
        ? `${x.message} ${x.stack} ${JSON.stringify(x)} ${String((x as { raw?: unknown }).raw)}`
        : JSON.stringify(x, (_k, v) => (typeof v === 'function' ? 'fn' : v));
    const text = everything.map(dump).join('\n') + h.lines.join('\n');
    expect(text.length).toBeGreaterThan(100);
    for (const t of [token, sim.botToken, 'xapp-1-A111-1-wrongwrongwrong', 'xoxb-9-wrong-token-xyz'])
      expect(text).not.toContain(t);
    expect(text).toContain('[REDACTED]');
  });

  test('non-wss URLs are refused unless loopback', async () => {
    const { logger } = captureLogger();
    const client = new SocketModeClient({
      openConnection: async () => 'ws://example.com/link/?ticket=abc',
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
    });
    const err = await client.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsecureUrlError);
    expect(() => new SocketModeClient({ appToken: 'xapp-1-x', apiUrl: 'http://example.com/api/' })).toThrow(
      InsecureUrlError,
    );
    await expect(respond('http://example.com/hook', 'x')).rejects.toBeInstanceOf(InsecureUrlError);
  });
});

// Pins past defects: each test in this block was a review finding (a token kept in an error cause).
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

// Pins past defects: each test in this block was a review finding (a token after an escape or encoding survived redact).
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

describe('url helpers', () => {
  test.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['example.com', false],
    ['127.0.0.1.evil.com', false],
    ['127.0.0.256', false],
  ])('isLoopbackHost(%s) = %s', (host, want) => expect(isLoopbackHost(host)).toBe(want));
});

describe('redactingLogger', () => {
  test('redacts strings, errors and nested objects', () => {
    const seen: unknown[][] = [];
    const inner: Logger = {
      debug: (...a) => void seen.push(a),
      info: (...a) => void seen.push(a),
      warn: (...a) => void seen.push(a),
      error: (...a) => void seen.push(a),
      setLevel: () => {},
      getLevel: () => 'debug',
      setName: () => {},
    };
    const log = redactingLogger(inner);
    const tok = 'xapp-1-A1-1-abcdef123';
    const circular: Record<string, unknown> = { tok };
    circular.self = circular;
    log.warn(`a ${tok}`, new Error(`b ${tok}`), { deep: [{ t: tok }] }, circular);
    const dumped = seen
      .map((a) => a.map((x) => (x instanceof Error ? `${x.message}${x.stack}` : JSON.stringify(x))).join(' '))
      .join('\n');
    expect(dumped).not.toContain('abcdef123');
    expect(dumped).toContain('[REDACTED]');
  });
  test('class instances and errors nested in objects are redacted too; a throwing logger is swallowed', () => {
    const seen: unknown[] = [];
    const inner = {
      warn: (...a: unknown[]) => void seen.push(...a),
      error: () => {
        throw new Error('broken');
      },
    } as unknown as Logger;
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
    expect([err.name, err.code, err.event, err.envelopeId]).toEqual([
      'HandlerError',
      'handler_error',
      'app_mention',
      'E1',
    ]);
    const cause = err.cause as Error & { code?: string };
    expect([cause.name, cause.message, cause.code]).toEqual(['Error', 'boom xoxb-[REDACTED]', 'E_BOOM']);
    expect(err.stack?.split('\n')[0]).toBe(
      'HandlerError: Handler for "app_mention" failed: Error: boom xoxb-[REDACTED]',
    );
    expect(`${err.stack} ${cause.stack} ${JSON.stringify(err)}`).not.toContain('abcdef123');
  });
});

// Proxy credentials (the `proxy` option's user:password) are as secret as a token: over the node entry, a 407, an
// unreachable proxy and a refused handshake are reported without them anywhere (messages, stacks, causes, fields,
// debug logs). test/proxy.test.ts runs the same on Bun and Deno against their output.
describe('proxy credentials never appear', () => {
  const user = 'proxyuser';
  const pass = 'S3cr3t-p4ss%21';
  const secrets = [
    pass,
    decodeURIComponent(pass),
    `${user}:`,
    Buffer.from(`${user}:${decodeURIComponent(pass)}`).toString('base64'),
  ];

  function leaks(text: string): string[] {
    return secrets.filter((s) => text.includes(s));
  }

  async function failures(proxy: string, wsOnly: boolean): Promise<{ errors: SocketModeError[]; lines: string[] }> {
    const node = await import('../src/platform/node.ts');
    h = await harness();
    const { lines, logger } = captureLogger();
    const errors: SocketModeError[] = [];
    const client = new node.SocketModeClient({
      appToken: h.sim.appToken,
      apiUrl: h.sim.apiUrl,
      logger,
      logLevel: 'debug' as never,
      proxy,
      backoff: { initialMs: 20, maxMs: 50 },
      ...(wsOnly ? { fetch: (u: string, i?: RequestInit) => fetch(u, i) } : {}),
    });
    client.on('error', (e) => void errors.push(e));
    void client.start().catch(() => undefined);
    await until(() => errors.length >= 2, 'two errors');
    await client.disconnect({ timeoutMs: 0 });
    return { errors, lines };
  }

  function everything(errors: SocketModeError[], lines: string[]): string {
    const parts = [...lines];
    for (const e of errors) {
      parts.push(String(e), e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(e.cause ?? null));
      const c = e.cause as { message?: string; stack?: string } | undefined;
      parts.push(c?.message ?? '', c?.stack ?? '');
    }
    return parts.join('\n');
  }

  test.each([
    ['both legs, a 407', false],
    ['the WebSocket leg alone, a 407', true],
  ] as const)('%s', async (_name, wsOnly) => {
    const { startCountingProxy } = await import('./helpers/proxy-server.ts');
    const p = await startCountingProxy({ user, pass: 'the-right-one' });
    try {
      const { errors, lines } = await failures(`http://${user}:${pass}@127.0.0.1:${p.port}`, wsOnly);
      // Either leg: a ProxyError whose `proxy` has no credentials.
      expect(errors[0]).toMatchObject({ code: 'proxy_error', status: 407, proxy: `http://127.0.0.1:${p.port}` });
      expect(errors[0]!.message).toContain('407');
      expect(errors[0]!.message).toContain(`127.0.0.1:${p.port}`);
      expect(leaks(everything(errors, lines))).toEqual([]);
      expect(p.refusedAuth).toBeGreaterThanOrEqual(2);
    } finally {
      await p.close();
    }
  });

  test.each([
    ['both legs', false],
    ['the WebSocket leg alone', true],
  ] as const)('an unreachable proxy, %s', async (_name, wsOnly) => {
    const { deadPort } = await import('./helpers/proxy-server.ts');
    const { errors, lines } = await failures(`http://${user}:${pass}@127.0.0.1:${await deadPort()}`, wsOnly);
    expect(errors[0]!.code).toBe('proxy_error');
    expect(errors[0]!.message).toMatch(/unreachable/);
    expect(leaks(everything(errors, lines))).toEqual([]);
  });

  test('a proxy URL that does not parse, or names another scheme, is refused without being echoed', async () => {
    const { checkedProxy } = await import('../src/platform/proxy-env.ts');
    for (const bad of [`http://${user}:${pass}@[not-a-host`, `socks5://${user}:${pass}@127.0.0.1:1080`]) {
      let err: unknown;
      try {
        checkedProxy(bad);
      } catch (e) {
        err = e;
      }
      expect((err as SocketModeError).code).toBe('proxy_error');
      expect(leaks(`${String(err)} ${JSON.stringify(err)}`)).toEqual([]);
    }
  });

  test('scrub(): user:password@ in any URL, and the proxy own user and password anywhere', async () => {
    const { scrub } = await import('../src/platform/proxy-errors.ts');
    const proxy = `http://${user}:${pass}@proxy.example:3128`;
    const text = `connect to http://a:b@x.example failed; ${decodeURIComponent(pass)} and ${pass} and ${user}`;
    const out = scrub(text, proxy);
    expect(out).not.toContain('a:b@');
    expect(leaks(out)).toEqual([]);
    expect(out).not.toContain(user);
  });
});
