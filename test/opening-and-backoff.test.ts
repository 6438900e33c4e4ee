// Opening connections and backing off: fatal and transient open errors, 429 and Retry-After, hello timeouts,
// too_many_websockets, the Backoff itself; and connection trouble nobody announces (issue 14, item 5): a server
// that flaps right after hello, failed open attempts, a flood of bad frames, a close code the client did not ask
// for. Each must be named on `error` with a stable code, keep the client retrying at a backoff that grows, and
// not flood the log.
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CoreClient, type CoreOptions } from '../src/core/index.ts';
import {
  DisconnectedError,
  LinkDisabledError,
  RateLimitedError,
  SlackApiError,
  SocketModeClient,
  SocketModeError,
  callApi,
  type ReconnectingEvent,
  type SocketModeOptions,
} from '../src/index.ts';
import { Backoff } from '../src/core/backoff.ts';
import { openConnectionUrl, parseRetryAfter } from '../src/core/web-api.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { captureLogger, delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
const extra: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const f of extra.splice(0)) await f();
  await h?.cleanup();
  h = undefined;
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Errors and `reconnecting` events of a client, in order. */
function watch(client: {
  on(t: 'error', f: (e: SocketModeError) => void): unknown;
  on(t: 'reconnecting', f: (e: ReconnectingEvent) => void): unknown;
}) {
  const errors: SocketModeError[] = [];
  const reconnecting: ReconnectingEvent[] = [];
  client.on('error', (e) => void errors.push(e));
  client.on('reconnecting', (e) => void reconnecting.push(e));
  return { errors, reconnecting };
}

function coreClient(sim: Simulator, opts: Partial<CoreOptions> = {}): CoreClient {
  const c = new CoreClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    WebSocket: WebSocket as unknown as CoreOptions['WebSocket'],
    logger: captureLogger().logger,
    ...opts,
  });
  extra.push(() => c.disconnect({ timeoutMs: 0 }));
  return c;
}

// ---------------------------------------------------------------- 1. backoff across a flapping server

for (const how of ['close', 'reset'] as const) {
  test(`a server that says hello and then ${how === 'close' ? 'closes (1011)' : 'resets the socket'} at once: the backoff keeps growing`, async () => {
    h = await harness();
    const sim = h.sim;
    let flapping = true;
    sim.on('connection', (rec: { id: string; change: string }) => {
      if (rec.change !== 'hello' || !flapping) return;
      if (how === 'close') sim.closeConnection({ connectionId: rec.id, code: 1011, reason: 'flap' });
      else sim.drop({ connectionId: rec.id });
    });
    // maxMs 5000: the backoff only restarts after a connection lives min(10 s, maxMs) — far longer than these do.
    const client = coreClient(sim, { backoff: { initialMs: 20, maxMs: 5000 } });
    const { reconnecting } = watch(client);
    let connected = 0;
    client.on('connected', () => void connected++);
    const started = client.start();
    await until(() => reconnecting.length >= 5, 'five reconnects after a flap');
    flapping = false;
    await started;
    const afterFlaps = reconnecting.slice(0, 5);
    // Each flap completed hello (the client counted it connected) and still moved the backoff one step on: before
    // the fix every reconnect was attempt 1 (its backoff reset by each hello).
    expect(connected).toBeGreaterThanOrEqual(5);
    expect(afterFlaps.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(afterFlaps.every((r) => r.makeBeforeBreak === false)).toBe(true);
  });
}

test('the full client too: hello-then-close does not reset the backoff', async () => {
  h = await harness();
  const sim = h.sim;
  let flapping = true;
  sim.on('connection', (rec: { id: string; change: string }) => {
    if (rec.change === 'hello' && flapping) sim.closeConnection({ connectionId: rec.id, code: 1011 });
  });
  const client = h.client({ backoff: { initialMs: 20, maxMs: 5000 } });
  const { reconnecting } = watch(client);
  const started = client.start();
  await until(() => reconnecting.length >= 4, 'four reconnects');
  flapping = false;
  await started;
  expect(reconnecting.slice(0, 4).map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
});

test('a connection that stays live for the healthy period (min(10 s, backoff.maxMs)) resets the backoff', async () => {
  h = await harness();
  const sim = h.sim;
  let flaps = 3;
  sim.on('connection', (rec: { id: string; change: string }) => {
    if (rec.change === 'hello' && flaps-- > 0) sim.closeConnection({ connectionId: rec.id, code: 1011 });
  });
  const client = coreClient(sim, { backoff: { initialMs: 20, maxMs: 150 } });
  const { reconnecting } = watch(client);
  let connected = 0;
  client.on('connected', () => void connected++);
  await client.start();
  await until(() => connected === 4, 'the hello that stays');
  expect(reconnecting.map((r) => r.attempt)).toEqual([1, 2, 3]);
  await delay(400); // longer than the healthy period (150 ms): its timer, set at hello, fires first
  sim.drop();
  await until(() => reconnecting.length === 4, 'the reconnect after a drop');
  // The backoff was reset: the first retry after a healthy connection goes at once (attempt 0, no delay).
  expect(reconnecting[3]).toMatchObject({ attempt: 0, delayMs: 0 });
});

// ---------------------------------------------------------------- 2. every failed open attempt is an error

/** An openConnection that fails `n` times with `fail`, then asks the simulator for a real URL. */
function failing(sim: Simulator, n: number, fail: () => Promise<string>): () => Promise<string> {
  let calls = 0;
  return () => (calls++ < n ? fail() : openConnectionUrl({ appToken: sim.appToken, apiUrl: sim.apiUrl }));
}

const openFaults: Array<[string, string, (sim: Simulator) => Promise<() => Promise<string>>, Partial<CoreOptions>?]> = [
  [
    'openConnection throws',
    'connection_url_unavailable',
    async (sim) =>
      failing(sim, 2, () => {
        throw new Error('backend down');
      }),
  ],
  [
    'openConnection rejects',
    'connection_url_unavailable',
    async (sim) => failing(sim, 2, () => Promise.reject(new TypeError('fetch failed'))),
  ],
  [
    'openConnection rejects with a non-Error',
    'connection_url_unavailable',
    async (sim) => failing(sim, 2, () => Promise.reject('nope')),
  ],
  [
    'openConnection never answers',
    'network_error',
    async (sim) => failing(sim, 2, () => new Promise<string>(() => {})),
    { openTimeoutMs: 100 },
  ],
  [
    'the wss URL refuses the connection',
    'connection_error',
    async (sim) => {
      const port = await closedPort();
      return failing(sim, 2, async () => `ws://127.0.0.1:${port}/link/`);
    },
  ],
  [
    'the wss URL never sends hello',
    'connection_error',
    async (sim) => {
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await new Promise((r) => wss.once('listening', r));
      extra.push(() => new Promise((r) => wss.close(r)));
      const { port } = wss.address() as AddressInfo;
      return failing(sim, 2, async () => `ws://127.0.0.1:${port}/`);
    },
    { helloTimeoutMs: 100 },
  ],
];

for (const [name, code, make, opts] of openFaults) {
  for (const which of ['core', 'full'] as const) {
    test(`${which}: ${name}: each failed attempt is an error (${code}), it keeps retrying, start() resolves once it clears`, async () => {
      h = await harness();
      const openConnection = await make(h.sim);
      const o = { openConnection, appToken: undefined, backoff: { initialMs: 10, maxMs: 50 }, ...opts };
      const client = which === 'core' ? coreClient(h.sim, o) : h.client(o);
      const { errors, reconnecting } = watch(client);
      const hello = await client.start();
      expect(hello.connection_id).toBeTruthy();
      expect(errors.map((e) => e.code)).toEqual([code, code]);
      expect(reconnecting.length).toBe(2);
      expect(client.isActive).toBe(true);
      if (code === 'connection_error') expect(errors[0]!.message).toMatch(/closed before hello/);
      if (name.includes('hello')) expect(errors[0]!.message).toMatch(/hello_timeout/);
    });
  }
}

test('apps.connections.open at a refused port: network_error per attempt; start() resolves once Slack is back', async () => {
  const port = await closedPort();
  const { logger } = captureLogger();
  const client = new CoreClient({
    appToken: 'xapp-1-A111-1-simulator',
    apiUrl: `http://127.0.0.1:${port}/api/`,
    WebSocket: WebSocket as unknown as CoreOptions['WebSocket'],
    logger,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  extra.push(() => client.disconnect({ timeoutMs: 0 }));
  const { errors, reconnecting } = watch(client);
  const started = client.start();
  await until(() => errors.length >= 3, 'three failed attempts');
  expect(errors.every((e) => e.code === 'network_error')).toBe(true);
  expect(reconnecting.length).toBeGreaterThanOrEqual(3);
  expect(reconnecting.every((r) => r.reason === 'open_failed')).toBe(true);
  // "Slack" comes back on that port.
  const sim = await startSimulator({ port });
  extra.push(() => sim.close());
  const hello = await started;
  expect(hello.connection_id).toBeTruthy();
});

test('a rate-limited apps.connections.open is an error (rate_limited) too', async () => {
  h = await harness();
  h.sim.failNextOpen({ status: 429, retryAfterSec: 0 }, 1);
  h.sim.failNextOpen({ status: 500 }, 1);
  const client = h.client({ backoff: { initialMs: 10, maxMs: 50 } });
  const { errors } = watch(client);
  await client.start();
  expect(errors.map((e) => e.code)).toEqual(['rate_limited', 'http_error']);
});

// ---------------------------------------------------------------- 3. a flood of identical errors, logged a few times

for (const listening of [true, false]) {
  test(`100,000 malformed frames ${listening ? 'with' : 'without'} an error listener: a few log lines, every error emitted, the next envelope acked`, async () => {
    h = await harness();
    const client = h.client();
    let malformed = 0;
    if (listening) client.on('error', (e) => void (e.code === 'malformed_frame' && malformed++));
    client.on('slash_commands', ({ ack }) => ack());
    await client.start();
    const before = h.lines.length;
    const N = 100_000;
    for (let i = 0; i < N; i++) h.sim.sendRaw(`{not json ${i}`);
    const env = h.sim.inject('slash_command', { command: '/after' });
    await h.sim.waitForAck(env.envelope_id, 30_000);
    const flood = h.lines.slice(before).filter((l) => l.includes('malformed_frame'));
    expect(flood.length).toBe(3);
    expect(h.lines.length - before).toBeLessThan(20);
    if (listening) expect(malformed).toBe(N);
    // A minute later the next one ends the window: the count of what was held back, then that one in full.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    h.sim.sendRaw('{not json again');
    await until(
      () => h!.lines.slice(before).filter((l) => l.includes('malformed_frame')).length === 5,
      'the count and the next error',
    );
    const tail = h.lines
      .slice(before)
      .filter((l) => l.includes('malformed_frame'))
      .slice(3);
    expect(tail[0]).toContain(`repeated ${N - 3} times in the last minute`);
    expect(tail[0]!.startsWith(listening ? 'debug' : 'error')).toBe(true);
    expect(tail[1]).toContain('Malformed frame (not_json)');
    vi.useRealTimers();
    if (listening) expect(malformed).toBe(N + 1);
  }, 60_000);
}

test('the pending count never outlives disconnect(): no timer is left behind', async () => {
  const sim = await startSimulator();
  extra.push(() => sim.close());
  const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await delay(20);
  const idle = timeouts();
  const client = coreClient(sim);
  await client.start();
  await delay(20);
  const live = timeouts();
  for (let i = 0; i < 10; i++) sim.sendRaw(`{bad ${i}`);
  await until(() => timeouts() > live, 'the count timer');
  await client.disconnect();
  await sim.waitFor(() => sim.connections().every((c) => c.state === 'closed'));
  await delay(20);
  expect(timeouts()).toBeLessThanOrEqual(idle); // fewer is fine: a timer of an earlier test may end meanwhile
});

// ---------------------------------------------------------------- 4. a close the client did not ask for

test('a text frame with invalid UTF-8 (ws closes 1007) is named on error before the reconnect', async () => {
  h = await harness();
  const client = h.client();
  const events: string[] = [];
  client.on('error', (e) => void events.push(`error ${e.code}: ${e.message}`));
  client.on('reconnecting', (e) => void events.push(`reconnecting ${e.reason}`));
  let connected = 0;
  client.on('connected', () => void connected++);
  await client.start();
  h.sim.sendRaw(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  await until(() => connected === 2, 'the reconnect');
  // ws closed it with 1007 (the peer saw that code); its own close event says 1006, so the error names the cause.
  expect(h.sim.connections()[0]!.closeCode).toBe(1007);
  const i = events.findIndex((e) => e.startsWith('error connection_error'));
  expect(i).toBeGreaterThanOrEqual(0);
  expect(events[i]).toMatch(/invalid UTF-8/i);
  expect(events.findIndex((e) => e.startsWith('reconnecting'))).toBeGreaterThan(i);
});

for (const [code, reason] of [
  [1008, 'policy violation'],
  [4000, 'xapp-1-A111-1-secret went away'],
  [1011, ''],
] as const) {
  test(`a peer's close ${code} with no disconnect frame is an error naming code and reason (redacted), then a reconnect`, async () => {
    h = await harness();
    const client = h.client();
    const { errors, reconnecting } = watch(client);
    let connected = 0;
    client.on('connected', () => void connected++);
    await client.start();
    h.sim.closeConnection({ code, reason });
    await until(() => connected === 2, 'the reconnect');
    expect(errors).toHaveLength(1);
    const e = errors[0]!;
    expect(e.code).toBe('connection_error');
    expect(e.name).toBe('ConnectionError');
    expect(e.message).toContain(String(code));
    expect(e.message).not.toContain('secret');
    expect((e.cause as { code: number }).code).toBe(code);
    if (reason)
      expect((e.cause as { reason: string }).reason).toContain(
        reason.split(' ')[1] === 'violation' ? 'policy' : 'went away',
      );
    expect(reconnecting.map((r) => r.reason)).toEqual(['closed:remote']);
  });
}

test('a dropped socket (1006) is an error; a refresh Slack announces is not', async () => {
  h = await harness({ refreshWarningLeadMs: 50, refreshCloseDelayMs: 50 });
  const client = h.client();
  const { errors } = watch(client);
  let connected = 0;
  client.on('connected', () => void connected++);
  await client.start();
  h.sim.refresh();
  await until(() => connected === 2 && client.connectionIds.length === 1, 'the refresh');
  expect(errors).toHaveLength(0);
  h.sim.drop();
  await until(() => connected === 3, 'the reconnect');
  expect(errors.map((e) => e.code)).toEqual(['connection_error']);
  expect((errors[0]!.cause as { code: number }).code).toBe(1006);
});

test('the simulator close fault over HTTP: POST /_sim/fault {fault: "close", code, reason}; a bad code is a 400', async () => {
  h = await harness();
  const client = h.client();
  const { errors } = watch(client);
  let connected = 0;
  client.on('connected', () => void connected++);
  await client.start();
  const post = (body: unknown): Promise<Response> =>
    fetch(`${h!.sim.url}/_sim/fault`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const bad = await post({ fault: 'close', code: 99 });
  expect(bad.status).toBe(400);
  expect(connected).toBe(1);
  const ok = await post({ fault: 'close', code: 4001, reason: 'maintenance' });
  expect(ok.status).toBe(200);
  await until(() => connected === 2, 'the reconnect');
  expect(errors.map((e) => (e.cause as { code: number }).code)).toEqual([4001]);
  expect(errors[0]!.message).toContain('maintenance');
  expect(h.sim.connections()[0]!.state).toBe('closed');
});

describe('reconnect loop', () => {
  test('dropped socket: reconnects with backoff and keeps acking', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const events: string[] = [];
    for (const ev of ['reconnecting', 'disconnected', 'connected'] as const) client.on(ev, () => void events.push(ev));
    const hello = await client.start();
    const first = sim.connections().find((c) => c.state === 'live')!.id;
    expect(hello.connection_id).toBeTruthy();
    sim.drop();
    // Inject once the sim has seen the socket die (the client may already be back: then it goes there).
    await until(() => sim.connections().find((c) => c.id === first)?.state === 'closed', 'sim saw the drop');
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 10_000);
    expect(events).toEqual(['connected', 'reconnecting', 'disconnected', 'connected']);
    expect(sim.openCalls).toBe(2);
  });

  test('link_disabled stops reconnecting and reports why', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    const disconnected: Array<{ willReconnect: boolean; reason: string }> = [];
    client.on('disconnected', (e) => void disconnected.push(e));
    await client.start();
    const calls = sim.openCalls;
    sim.disableLink();
    await until(() => client.state === 'disconnected', 'stopped');
    expect(errors.some((e) => e instanceof LinkDisabledError && e.code === 'link_disabled')).toBe(true);
    expect(disconnected.at(-1)).toMatchObject({ willReconnect: false, reason: 'link_disabled' });
    await delay(300); // several backoff periods (initialMs 50): nothing may call open again
    expect(sim.openCalls).toBe(calls);
    expect(client.connectionCount).toBe(0);
  });

  test('link_disabled before the first hello rejects start()', async () => {
    h = await harness();
    h.sim.disableLink();
    const client = h.client();
    await expect(client.start()).rejects.toBeInstanceOf(LinkDisabledError);
    await delay(300);
    expect(h.sim.openCalls).toBe(1);
  });

  test('fatal auth error: start() rejects after exactly one open call', async () => {
    h = await harness();
    h.sim.failNextOpen({ error: 'invalid_auth' });
    const client = h.client();
    const err = await client.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).slackError).toBe('invalid_auth');
    await delay(300);
    expect(h.sim.openCalls).toBe(1);
    expect(client.state).toBe('disconnected');
  });

  test('a token the server does not accept is fatal too (one call)', async () => {
    h = await harness();
    const client = h.client({ appToken: 'xapp-1-A111-1-not-the-right-one' });
    await expect(client.start()).rejects.toBeInstanceOf(SlackApiError);
    await delay(200);
    expect(h.sim.openCalls).toBe(1);
  });

  test('429 honours Retry-After', async () => {
    h = await harness();
    const { sim } = h;
    const opens: number[] = [];
    sim.on('open', (r: { at: number }) => void opens.push(r.at));
    sim.failNextOpen({ status: 429, retryAfterSec: 1 });
    const client = h.client();
    await client.start();
    expect(sim.openCalls).toBe(2);
    expect(opens[1]! - opens[0]!).toBeGreaterThanOrEqual(1000);
  });

  test('5xx and transient errors back off and retry', async () => {
    h = await harness();
    h.sim.failNextOpen({ status: 500 }, 2);
    const client = h.client();
    await client.start();
    expect(h.sim.openCalls).toBe(3);
  });

  test('transient Slack error (internal_error) is retried, not fatal', async () => {
    h = await harness();
    h.sim.failNextOpen({ error: 'internal_error' });
    const client = h.client();
    await client.start();
    expect(h.sim.openCalls).toBe(2);
  });

  test('no hello within helloTimeoutMs: close and retry', async () => {
    // A server that accepts the upgrade and never says hello.
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => silent.once('listening', () => r()));
    const port = (silent.address() as { port: number }).port;
    let upgrades = 0;
    silent.on('connection', () => void upgrades++);
    const { logger } = captureLogger();
    const client = new SocketModeClient({
      openConnection: async () => `ws://127.0.0.1:${port}/link`,
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
      helloTimeoutMs: 100,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    const p = client.start();
    await until(() => upgrades >= 3, 'retries');
    await client.disconnect();
    await expect(p).rejects.toBeInstanceOf(DisconnectedError);
    for (const ws of silent.clients) ws.terminate();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  test('too_many_websockets: that socket closes, the client backs off and keeps its live one', async () => {
    h = await harness({ maxConnections: 1 });
    const client = h.client({ connections: 2 });
    client.on('slack_event', ({ ack }) => ack());
    const reasons: string[] = [];
    client.on('reconnecting', (e) => void reasons.push(e.reason));
    await client.start();
    await until(() => reasons.includes('too_many_websockets'), 'refusal');
    expect(client.connectionCount).toBe(1);
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
  });

  test('autoReconnectEnabled: false stops on an unexpected close', async () => {
    h = await harness();
    const client = h.client({ autoReconnectEnabled: false });
    await client.start();
    const calls = h.sim.openCalls;
    h.sim.drop();
    await until(() => client.state === 'disconnected', 'stopped');
    expect(h.sim.openCalls).toBe(calls);
  });
});

// Pins a past defect: a connection URL request that never answered hung the client instead of being retried.
test('a connection URL request that never answers is abandoned after openTimeoutMs and retried', async () => {
  h = await harness();
  let calls = 0;
  const client = h.client({
    openTimeoutMs: 200,
    openConnection: async () => {
      calls++;
      if (calls === 1) return new Promise<string>(() => {}); // hangs forever
      const res = await fetch(`${h!.sim.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h!.sim.appToken}` },
      });
      return ((await res.json()) as { url: string }).url;
    },
  });
  client.on('error', () => {});
  await client.start();
  expect(calls).toBe(2);
  expect(client.connectionCount).toBe(1);
});

// Pins a past defect: disconnect() while a slot waited out a 429 hung until the wait ended, then opened.
test('disconnect() while a slot waits out a 429 resolves at once (the wait ends with the client); no open follows', async () => {
  h = await harness();
  h.sim.failNextOpen({ status: 429, retryAfterSec: 60 });
  // A disconnect() that waited for the pending URL request would now wait "forever" (the bound is this close timeout).
  const client = h.client({ connections: 2, closeTimeoutMs: 2 ** 31 - 1 });
  const errors: string[] = [];
  client.on('error', (e) => void errors.push(e.code));
  void client.start();
  // Slot 0's open is refused with Retry-After 60 s; slot 1's request, serialized behind it, now waits for that.
  await until(() => h!.lines.some((l) => l.includes('rate limited')), 'the 429');
  await client.disconnect();
  expect(client.state).toBe('disconnected');
  expect(h.sim.openCalls).toBe(1);
});

// Pins past defects: each test in this block was a review finding (Retry-After parsed to 0 or overflowing timers).
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
      const p = callApi(
        'apps.connections.open',
        {},
        {
          token: h.sim.appToken,
          apiUrl: h.sim.apiUrl,
          rateLimitRetries: 1,
          signal: ctl.signal,
          fetch: (i, r) => {
            calls++;
            return globalThis.fetch(i, r);
          },
        },
      ).catch((e: unknown) => e);
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

describe('retry-after helper', () => {
  test('parseRetryAfter', () => {
    expect(parseRetryAfter('1')).toBe(1000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(null)).toBe(60_000);
    expect(parseRetryAfter('garbage')).toBe(60_000);
  });
});

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
