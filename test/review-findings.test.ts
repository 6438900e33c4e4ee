// Review findings: each test pins one behaviour that was wrong before its fix. Real simulator, real sockets.
import { afterEach, expect, test } from 'vitest';
import { MemoryDedupeStore, type DedupeStore } from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

test('refresh_requested on a socket already being rotated, budget full: the client frees it when Slack never closes it', async () => {
  // Slack's close may never come (PROTOCOL §4): a long close delay stands in for that.
  h = await harness({ refreshWarningLeadMs: 10, refreshCloseDelayMs: 60_000 });
  // connections: 10 => no room for a make-before-break swap; every socket's own rotation is due soon and waits.
  const client = h.client({ connections: 10, pingIntervalMs: 0, proactiveRefresh: false, rotateAfterMs: 200 });
  let rotations = 0;
  client.on('reconnecting', (e) => {
    if (e.reason === 'rotate') rotations++;
  });
  await client.start();
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'ten live connections');
  await until(() => rotations === 10, 'every socket to be due for rotation');
  const [victim] = h.sim.connections().filter((c) => c.state === 'live');
  h.sim.refresh({ connectionId: victim!.id, warning: false });
  await until(() => h!.sim.connections().find((c) => c.id === victim!.id)!.state === 'closed', 'the client to close it', 10_000);
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'the slot to be refilled', 10_000);
});

test('a queued envelope auto-acked (queuedAckMs) whose handler then fails is still known to dedupe, with no bogus warning', async () => {
  h = await harness();
  const { sim } = h;
  const client = h.client({ maxConcurrentHandlers: 1, queuedAckMs: 50 });
  client.on('error', () => {});
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const calls: string[] = [];
  client.on('app_mention', async ({ ack, envelope_id }) => {
    calls.push(envelope_id);
    if (calls.length === 1) {
      await ack();
      await gate; // holds the only handler slot
      return;
    }
    throw new Error('boom (this envelope was already acked while it waited)');
  });
  await client.start();
  sim.inject('app_mention');
  await until(() => calls.length === 1, 'the first handler');
  const b = sim.inject('app_mention');
  await sim.waitForAck(b.envelope_id, 5000); // acked while queued
  release();
  await until(() => calls.length === 2, 'the queued handler to run (and fail)');
  await delay(50);
  expect(h.lines.filter((l) => l.includes('this payload is dropped'))).toEqual([]);
  // The event was acked: a redelivery of it (same event_id) is a duplicate, acked and not handled again.
  sim.sendEnvelope({ ...b, envelope_id: 'again-1', retry_attempt: 1, retry_reason: 'timeout' });
  await sim.waitForAck('again-1', 5000);
  await delay(50);
  expect(calls).toHaveLength(2);
});

test('disconnect() while an async dedupe store is answering: the dropped envelope is handled on redelivery', async () => {
  h = await harness({ ackTimeoutMs: 300, redeliveryDelaysMs: [0, 0, 0] });
  const inner = new MemoryDedupeStore();
  let hold: Promise<void> | undefined;
  let answered = 0;
  const store: DedupeStore = {
    seen(key) {
      const r = inner.seen(key);
      if (!hold) return r;
      return hold.then(() => {
        answered++;
        return r;
      });
    },
    forget(key) {
      inner.forget(key);
    },
  };
  const client = h.client({ dedupe: store });
  const handled: string[] = [];
  client.on('message', ({ ack, body }) => {
    handled.push(String(body.event_id));
    return ack();
  });
  await client.start();
  let release!: () => void;
  hold = new Promise<void>((r) => (release = r));
  const env = h.sim.inject('message', { text: 'x' });
  await until(() => h!.sim.deliveries.some((d) => d.envelope_id === env.envelope_id), 'the delivery');
  await delay(50); // the store is now being asked
  await client.disconnect({ timeoutMs: 0 }); // at once: the envelope is dropped (test/shutdown.test.ts: a drain waits for it)
  hold = undefined;
  release();
  await until(() => answered === 1, 'the store to answer');
  await client.start();
  // Slack redelivers the unacked event (same event_id, new envelope): it must reach the handler.
  await until(() => handled.includes(String(env.payload.event_id)), 'the redelivered event to be handled', 10_000);
});

test('start() after disconnect(): a URL request left over from the previous run opens no socket', async () => {
  h = await harness();
  const sim = h.sim;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const openUrl = async (): Promise<string> => {
    const res = await fetch(`${sim.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${sim.appToken}` } });
    return ((await res.json()) as { url: string }).url;
  };
  const client = h.client({
    closeTimeoutMs: 100,
    openConnection: async () => {
      calls++;
      if (calls === 1) {
        const url = await openUrl();
        await gate; // a slow backend: answers after the client was stopped and started again
        return url;
      }
      return openUrl();
    },
  });
  client.on('error', () => {});
  const authenticated: string[] = [];
  client.on('authenticated', (e) => void authenticated.push(e.connection_id));
  void client.start().catch(() => undefined);
  await until(() => calls === 1, 'the first URL request');
  await client.disconnect();
  await client.start();
  expect(client.connectionCount).toBe(1);
  release();
  await delay(300);
  expect(authenticated).toHaveLength(1);
  expect(sim.connections()).toHaveLength(1);
  expect(client.connectionIds).toHaveLength(1);
});


// A key is "forgotten when every handler failed before an ack": one failing handler (here a catch-all logger on
// slack_event, which runs first) must not make a redelivery of an event another handler acked reach user code.
test('one of two handlers fails before the other acks: the acked event stays known to dedupe', async () => {
  h = await harness();
  const { sim } = h;
  const client = h.client();
  client.on('error', () => {});
  const calls: string[] = [];
  client.on('slack_event', () => {
    throw new Error('a logging handler fails');
  });
  client.on('app_mention', async ({ ack, envelope_id }) => {
    calls.push(envelope_id);
    await delay(10);
    await ack();
  });
  await client.start();
  const env = sim.inject('app_mention');
  await sim.waitForAck(env.envelope_id, 5000);
  sim.sendEnvelope({ ...env, envelope_id: 'again-1', retry_attempt: 1, retry_reason: 'timeout' });
  await sim.waitForAck('again-1', 5000);
  await delay(50);
  expect(calls).toEqual([env.envelope_id]);
});

// queuedAckMs promises "its handler still runs later": Slack got its ack and will not redeliver, so disconnect()
// must not drop an auto-acked envelope still waiting for a slot.
test('an envelope auto-acked while it waited for a handler slot is still handled after disconnect()', async () => {
  h = await harness();
  const client = h.client({ maxConcurrentHandlers: 1, queuedAckMs: 50 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handled: string[] = [];
  client.on('slash_commands', async ({ ack, envelope_id }) => {
    handled.push(envelope_id);
    await ack();
    if (handled.length === 1) await gate;
  });
  await client.start();
  h.sim.inject('slash_command');
  await until(() => handled.length === 1, 'the first handler');
  const b = h.sim.inject('slash_command');
  await h.sim.waitForAck(b.envelope_id, 5000); // Slack has its ack: it will not redeliver
  await client.disconnect();
  expect(h.lines.some((l) => l.includes('1 acked envelope(s) still wait for a handler slot'))).toBe(true);
  release();
  await until(() => handled.includes(b.envelope_id), 'the acked command to be handled after disconnect()', 3000);
});

test('too_many_websockets on a socket already replaced (kept after a warning) sends no healthy slot into backoff', async () => {
  // The warning comes long before refresh_requested, so the replaced socket stays open meanwhile.
  h = await harness({ refreshWarningLeadMs: 60_000 });
  const { sim } = h;
  const client = h.client({ pingIntervalMs: 0, proactiveRefresh: false });
  client.on('app_mention', ({ ack }) => ack());
  const reasons: string[] = [];
  client.on('reconnecting', (e) => void reasons.push(e.reason));
  await client.start();
  const [old] = sim.connections().filter((c) => c.state === 'live');
  sim.refresh({ connectionId: old!.id });
  await until(() => sim.connections().filter((c) => c.state === 'live').length === 2, 'the replacement, the old one kept');
  sim.sendRaw(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets' }), { connectionId: old!.id });
  await until(() => sim.connections().find((c) => c.id === old!.id)!.state === 'closed', 'the refused socket to close');
  await delay(50);
  expect(reasons).not.toContain('too_many_websockets');
  expect(client.connectionCount).toBe(1);
  const env = sim.inject('app_mention');
  await sim.waitForAck(env.envelope_id, 5000);
});

test('a socket kept after a warning is retired at retireAfterWarningMs only once its envelopes are acked, on it', async () => {
  h = await harness({ refreshWarningLeadMs: 60_000 });
  const { sim } = h;
  const client = h.client({ pingIntervalMs: 0, proactiveRefresh: false, retireAfterWarningMs: 100 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  client.on('app_mention', async ({ ack }) => {
    await gate;
    await ack();
  });
  await client.start();
  const [old] = sim.connections().filter((c) => c.state === 'live');
  const env = sim.inject('app_mention', {}, { connectionId: old!.id });
  await until(() => sim.deliveries.some((d) => d.envelope_id === env.envelope_id), 'the delivery');
  sim.refresh({ connectionId: old!.id });
  await until(() => sim.connections().filter((c) => c.state === 'live').length === 2, 'the replacement');
  await delay(300); // retireAfterWarningMs has passed; the envelope is still in its handler
  expect(sim.connections().find((c) => c.id === old!.id)!.state).toBe('live');
  release();
  const rec = await sim.waitForAck(env.envelope_id, 5000);
  expect(rec.connectionId).toBe(old!.id);
  await until(() => sim.connections().find((c) => c.id === old!.id)!.state === 'closed', 'the retired socket to close');
});
