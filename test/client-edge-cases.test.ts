// Edge cases found in review: each test pins one behaviour that was wrong before its fix.
import { afterEach, expect, test } from 'vitest';
import { createConnectionUrlHandler } from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

test('autoReconnectEnabled: false — a dead (half-open) socket stops the client instead of reconnecting', async () => {
  h = await harness();
  const client = h.client({ autoReconnectEnabled: false, pingIntervalMs: 50, pongTimeoutMs: 150 });
  const disconnected: Array<{ willReconnect: boolean }> = [];
  client.on('disconnected', (e) => void disconnected.push(e));
  client.on('error', () => {});
  await client.start();
  h.sim.halfOpen();
  await until(() => disconnected.some((d) => !d.willReconnect), 'the client to stop');
  await delay(200);
  expect(h.sim.openCalls).toBe(1);
  expect(client.isActive).toBe(false);
});

test('a rotation we start ourselves keeps the old socket until its envelopes are acked, so acks go back on it', async () => {
  h = await harness();
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 600 });
  client.on('slash_commands', ({ ack }) => void delay(400).then(() => ack({ text: 'late but in time' })));
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  await delay(300); // the rotation is due at 600 ms, while this command's handler is still working
  const env = h.sim.inject('slash_command', { command: '/slow', text: 'x' });
  const ack = await h.sim.waitForAck(env.envelope_id);
  const delivery = h.sim.deliveries.find((d) => d.envelope_id === env.envelope_id)!;
  expect(connected.length).toBeGreaterThanOrEqual(2); // the rotation did happen
  expect(ack.connectionId).toBe(delivery.connectionId);
  expect(ack.payload).toEqual({ text: 'late but in time' });
});

test('an envelope dropped unhandled at disconnect() is handled when Slack redelivers it (dedupe forgets it)', async () => {
  h = await harness({ ackTimeoutMs: 300, redeliveryDelaysMs: [0, 0, 0] });
  const client = h.client({ maxConcurrentHandlers: 1, queuedAckMs: 0 });
  const handled: string[] = [];
  let release!: () => void;
  const first = new Promise<void>((r) => (release = r));
  client.on('message', ({ ack, body }) => {
    handled.push(String(body.event_id));
    if (handled.length === 1) return first.then(() => ack()); // holds the only handler slot
    return ack();
  });
  await client.start();
  const a = h.sim.inject('message', { text: 'first' });
  const b = h.sim.inject('message', { text: 'second' }); // queued behind the first
  await until(() => handled.length === 1 && client.handlerStats.queued === 1, 'the second to wait for a slot');
  await client.disconnect({ timeoutMs: 0 }); // closes at once: drops the queued one, unacked
  release();
  await client.start();
  // Slack redelivers the unacked event (same event_id, new envelope): it must reach the handler now.
  await until(() => handled.includes(String(b.payload.event_id)), 'the redelivered event to be handled', 10_000);
  expect(handled.filter((id) => id === String(a.payload.event_id))).toHaveLength(1);
});

test('disconnect() called from a `disconnecting` handler resolves once, without recursion', async () => {
  h = await harness();
  const client = h.client();
  let disconnecting = 0;
  client.on('disconnecting', () => {
    disconnecting++;
    void client.disconnect();
  });
  await client.start();
  await client.disconnect();
  expect(disconnecting).toBe(1);
  expect(client.isActive).toBe(false);
});

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

test('timer options beyond setTimeout range are clamped, not fired at once', async () => {
  h = await harness();
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 1e12 });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  await delay(300);
  expect(connected).toHaveLength(1);
  expect(h.sim.openCalls).toBe(1);
});

test('createConnectionUrlHandler: no CORS for other origins unless allowed; allowed origins may send credentials', async () => {
  h = await harness();
  const base = { appToken: h.sim.appToken, apiUrl: h.sim.apiUrl };
  const req = () => new Request('http://backend.local/url', { method: 'POST', headers: { origin: 'https://evil.example' } });
  const closed = await createConnectionUrlHandler(base)(req());
  expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  const open = await createConnectionUrlHandler({ ...base, allowOrigin: (o) => o === 'https://evil.example' })(req());
  expect(open.headers.get('access-control-allow-origin')).toBe('https://evil.example');
  expect(open.headers.get('access-control-allow-credentials')).toBe('true');
  expect(open.headers.get('access-control-allow-headers')).toContain('authorization');
  // A one-time connection URL is a live share of the app's envelopes: no cache may keep it.
  expect(open.headers.get('cache-control')).toBe('no-store');
  expect(((await open.json()) as { ok: boolean }).ok).toBe(true);
});

test('refresh_requested with the socket budget full: the client frees the socket itself when Slack never closes it', async () => {
  // Slack's close may never come (PROTOCOL §4): a long close delay stands in for that.
  h = await harness({ refreshWarningLeadMs: 10, refreshCloseDelayMs: 60_000 });
  const client = h.client({ connections: 10 }); // budget = 10 sockets: no room for a make-before-break swap
  await client.start();
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'ten live connections');
  const [victim] = h.sim.connections().filter((c) => c.state === 'live');
  h.sim.refresh({ connectionId: victim!.id, warning: false });
  await until(() => h!.sim.connections().find((c) => c.id === victim!.id)!.state === 'closed', 'the client to close it', 10_000);
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'the slot to be refilled', 10_000);
});

test('an envelope with retry_attempt: null (a field we do not rely on) is still delivered and acked', async () => {
  h = await harness();
  const client = h.client();
  const got: string[] = [];
  client.on('slash_commands', ({ ack, envelope_id }) => {
    got.push(envelope_id);
    void ack();
  });
  await client.start();
  const env = { envelope_id: crypto.randomUUID() as string, type: 'slash_commands', accepts_response_payload: true,
    retry_attempt: null, retry_reason: null, payload: { command: '/x', text: 'y' } };
  h.sim.sendEnvelope(env);
  await h.sim.waitForAck(env.envelope_id);
  expect(got).toEqual([env.envelope_id]);
});

test('dedupe is at least once: a handler that fails before acking gets Slack\'s redelivery; one that acked first does not', async () => {
  h = await harness();
  const { sim } = h;
  const client = h.client();
  const errors: Array<{ code: string; envelopeId?: string }> = [];
  client.on('error', (e) => void errors.push(e as { code: string; envelopeId?: string }));
  const calls: string[] = [];
  let failFirst = true;
  let ackThenFail = '';
  client.on('slack_event', async ({ ack, envelope_id }) => {
    calls.push(envelope_id);
    if (failFirst) {
      failFirst = false;
      throw new Error('boom before ack');
    }
    await ack();
    if (envelope_id === ackThenFail) throw new Error('boom after ack');
  });
  await client.start();

  const env = sim.inject('app_mention');
  await until(() => errors.length === 1, 'the first handler error');
  expect(sim.acks.filter((a) => a.envelope_id === env.envelope_id)).toHaveLength(0);
  // Slack's retry: same event_id, new envelope_id.
  sim.sendEnvelope({ ...env, envelope_id: 'retry-1', retry_attempt: 1, retry_reason: 'timeout' });
  await sim.waitForAck('retry-1', 5000);
  expect(calls).toEqual([env.envelope_id, 'retry-1']);

  const env2 = sim.inject('app_mention');
  ackThenFail = env2.envelope_id;
  await until(() => errors.length === 2, 'the second handler error');
  sim.sendEnvelope({ ...env2, envelope_id: 'retry-2', retry_attempt: 1, retry_reason: 'timeout' });
  await sim.waitForAck('retry-2', 5000);
  await delay(50);
  // Acked, so the redelivery is a duplicate: acked by the client, not delivered.
  expect(calls).toEqual([env.envelope_id, 'retry-1', env2.envelope_id]);
  expect(errors.map((e) => e.code)).toEqual(['handler_error', 'handler_error']);
});

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
