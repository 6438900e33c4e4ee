// Security properties, over real sockets against the simulator:
// - plain ws:/http: only to loopback: every other URL is refused before any socket or request is made;
// - oversized frames are refused unparsed (never reach user code) and the connection keeps working;
// - no token (app, bot, wrong ones) and no wss ticket appears in any log line at any level (debug included),
//   in any emitted event payload, or in any error (message, stack, cause, own fields).
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  InsecureUrlError,
  MalformedFrameError,
  SocketModeClient,
  SocketModeError,
  assertSecureUrl,
  callApi,
  isLoopbackHost,
  respond,
  type SocketModeOptions,
} from '../src/index.ts';
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
    for (const host of ['localhost', '127.0.0.1', '127.255.255.255', '[::1]', 'a.localhost']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['localhost.com', '127.0.0.256', '128.0.0.1', '0.0.0.0', '[::]', 'evil-localhost', '']) expect(isLoopbackHost(host), host).toBe(false);
  });

  test('a non-loopback ws: URL from openConnection is fatal before any socket is opened', async () => {
    const { logger } = captureLogger();
    const { WS, count } = countingWebSocket();
    for (const url of ['ws://example.com/link/?ticket=t1', 'ws://127.0.0.1@evil.example/link/', 'http://127.0.0.1/link/']) {
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
    expect(() => new SocketModeClient({ appToken: 'xapp-1-x', apiUrl: 'http://slack.example/api/' })).toThrow(InsecureUrlError);
    await expect(callApi('auth.test', {}, { token: 'xoxb-1', apiUrl: 'http://slack.example/api/', fetch })).rejects.toBeInstanceOf(InsecureUrlError);
    await expect(respond('http://hooks.example/commands/1', 'x', { fetch })).rejects.toBeInstanceOf(InsecureUrlError);
    await expect(callApi('auth.test', {}, { token: 'xoxb-1', apiUrl: 'http://127.0.0.1:1/api/', fetch })).resolves.toMatchObject({ ok: true });
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
    const big = { envelope_id: 'too-big-1', type: 'slash_commands', accepts_response_payload: true, payload: { command: '/x', text: 'y'.repeat(20 * 1024) } };
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
    h.sim.sendRaw(JSON.stringify({ envelope_id: 'huge', type: 'events_api', payload: { event: { type: 'message', text: 'z'.repeat(1024 * 1024) } } }));
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
    const secrets = [sim.appToken, sim.botToken, 'xapp-1-A111-1-wrongwrongwrong', 'xoxb-9-wrong-token-xyz', 'xoxp-5-user-token-abc'];
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
      'connecting', 'authenticated', 'connected', 'reconnecting', 'disconnecting', 'disconnected',
      'ghost_connections', 'too_many_websockets', 'error', 'slack_event', 'slash_commands', 'interactive',
      'unknown_envelope', 'app_mention',
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
    everything.push(await callApi('auth.test', {}, { token: 'xoxb-9-wrong-token-xyz', apiUrl: sim.apiUrl }).catch((e: unknown) => e));
    everything.push(await callApi('chat.postMessage', { text: 'xoxp-5-user-token-abc' }, { token: 'xoxp-5-user-token-abc', apiUrl: 'http://slack.example/' }).catch((e: unknown) => e));
    try {
      new SocketModeClient({ appToken: 'xoxp-5-user-token-abc' });
    } catch (e) {
      everything.push(e);
    }

    const dumpError = (x: Error): string => {
      const cause = (x as { cause?: unknown }).cause;
      return [x.message, x.stack, String(x), JSON.stringify(x), cause instanceof Error ? `${cause.message} ${cause.stack}` : JSON.stringify(cause)].join(' ');
    };
    const dump = (x: unknown): string =>
      x instanceof Error ? dumpError(x) : JSON.stringify(x, (_k, v) => (typeof v === 'function' ? `fn` : v instanceof Error ? dumpError(v) : v));
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
