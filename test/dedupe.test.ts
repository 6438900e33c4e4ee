// Dedupe: a redelivered envelope reaches user code once (but is acked each time), and what dedupe remembers
// when handlers fail, when disconnect() drops an envelope, and with an async (Durable Object) store.
import { afterEach, describe, expect, test } from 'vitest';
import {
  MemoryDedupeStore,
  durableObjectDedupeStore,
  type DedupeStore,
  type DurableObjectStorageLike,
} from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

describe('dedupe', () => {
  test('the same envelope twice, and a redelivered event, reach user code once but are acked each time', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const seen: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      seen.push(envelope_id);
      return ack();
    });
    await client.start();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    // Same envelope again (same envelope_id).
    sim.sendEnvelope({ ...env });
    // A redelivery: new envelope_id, same payload.event_id, retry_attempt 1.
    sim.sendEnvelope({ ...env, envelope_id: 'redelivery-1', retry_attempt: 1, retry_reason: 'timeout' });
    await until(
      () => acksFor('redelivery-1').length === 1 && acksFor(env.envelope_id).length === 2,
      'both duplicates acked',
    );
    expect(seen).toEqual([env.envelope_id]);
  });

  test('dedupe: false delivers duplicates; a custom store is consulted', async () => {
    h = await harness();
    const { sim } = h;
    const keys: string[] = [];
    const client = h.client({
      dedupe: {
        seen: async (k: string) => {
          keys.push(k);
          return false;
        },
      },
    });
    const seen: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      seen.push(envelope_id);
      return ack();
    });
    await client.start();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    sim.sendEnvelope({ ...env, envelope_id: 'again-1' });
    await until(() => acksFor('again-1').length === 1, 'ack');
    expect(seen).toEqual([env.envelope_id, 'again-1']);
    // One key per envelope: the event_id for events (stable across redeliveries), the envelope_id otherwise.
    const eventKey = `event:${(env.payload as { event_id: string }).event_id}`;
    expect(keys).toEqual([eventKey, eventKey]);
    const cmd = sim.inject('slash_command');
    await sim.waitForAck(cmd.envelope_id, 5000);
    expect(keys).toEqual([eventKey, eventKey, `envelope:${cmd.envelope_id}`]);
  });
});

// Pins a past defect: a queued envelope auto-acked whose handler then failed was forgotten by dedupe, with a bogus warning.
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

// Pins a past defect: disconnect() while an async dedupe store answered lost the dropped envelope on redelivery.
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

// Pins a past defect: one failing handler made dedupe forget an event another handler had acked.
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

/** The DurableObjectStorage subset in memory (as test/dedupe-store.test.ts: each call reads or writes when made). */
class FakeStorage implements DurableObjectStorageLike {
  readonly data = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.data.get(key);
  }
  async put(entries: Record<string, unknown>): Promise<void> {
    for (const [k, v] of Object.entries(entries)) this.data.set(k, v);
  }
  async delete(keys: string[]): Promise<number> {
    let n = 0;
    for (const k of keys) if (this.data.delete(k)) n++;
    return n;
  }
  async list(o: { prefix?: string; end?: string; limit?: number }): Promise<Map<string, unknown>> {
    const keys = [...this.data.keys()]
      .filter((k) => (!o.prefix || k.startsWith(o.prefix)) && (!o.end || k < o.end))
      .sort();
    return new Map(keys.slice(0, o.limit ?? Infinity).map((k) => [k, this.data.get(k)]));
  }
}

// Pins a past defect: the Durable Object store forgot an event one handler failed on and another acked.
test('Durable Object store: an event one handler failed on and another acked stays recorded in storage (across a restart)', async () => {
  h = await harness();
  const { sim } = h;
  const storage = new FakeStorage();
  const a = h.client({ dedupe: durableObjectDedupeStore(storage) });
  a.on('error', () => {});
  a.on('slack_event', () => {
    throw new Error('a logging handler fails');
  });
  a.on('app_mention', ({ ack }) => ack());
  await a.start();
  const env = sim.inject('app_mention');
  await sim.waitForAck(env.envelope_id, 5000);
  await delay(50); // the store's writes settle
  await a.disconnect();

  // The object restarts: a new client and store object over the same storage. Slack redelivers the event.
  const b = h.client({ dedupe: durableObjectDedupeStore(storage) });
  const handled: string[] = [];
  b.on('app_mention', ({ ack, envelope_id }) => (handled.push(envelope_id), ack()));
  await b.start();
  sim.sendEnvelope({ ...env, envelope_id: 'redelivered-1', retry_attempt: 1, retry_reason: 'timeout' });
  await sim.waitForAck('redelivered-1', 5000);
  await delay(50);
  expect(handled).toEqual([]);
});

// Pins a past defect: an envelope dropped unhandled at disconnect() stayed known to dedupe, so its redelivery was skipped.
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

// Pins a past defect: dedupe was not at least once: a handler that failed before acking missed the redelivery.
test("dedupe is at least once: a handler that fails before acking gets Slack's redelivery; one that acked first does not", async () => {
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

// A shared store (redisDedupeStore) tells an acked key from a dead replica's claim by being told of each ack.
test("a store with acked(key) is told each envelope's first ack, once; never a duplicate's nor a failed handler's", async () => {
  h = await harness();
  const { sim } = h;
  const calls: string[] = [];
  const inner = new MemoryDedupeStore();
  const store: DedupeStore = {
    seen: async (k) => {
      calls.push(`seen ${k}`);
      return inner.seen(k);
    },
    forget: (k) => {
      calls.push(`forget ${k}`);
      inner.forget(k);
    },
    acked: (k) => void calls.push(`acked ${k}`),
  };
  const client = h.client({ dedupe: store });
  client.on('error', () => {});
  let fail = false;
  client.on('app_mention', async ({ ack }) => {
    if (fail) throw new Error('boom before the ack');
    await ack();
    await ack(); // a second ack is refused: no second mark
  });
  client.on('slash_commands', ({ ack }) => ack());
  await client.start();
  const ev = sim.inject('app_mention');
  await sim.waitForAck(ev.envelope_id, 5000);
  const eventKey = `event:${(ev.payload as { event_id: string }).event_id}`;
  sim.sendEnvelope({ ...ev, envelope_id: 'dup-1', retry_attempt: 1 });
  await sim.waitForAck('dup-1', 5000);
  const cmd = sim.inject('slash_command');
  await sim.waitForAck(cmd.envelope_id, 5000);
  fail = true;
  const ev2 = sim.inject('app_mention');
  const failedKey = `event:${(ev2.payload as { event_id: string }).event_id}`;
  await until(() => calls.includes(`forget ${failedKey}`), 'the failed handler');
  await delay(50);
  expect(calls).toEqual([
    `seen ${eventKey}`,
    `acked ${eventKey}`,
    `seen ${eventKey}`,
    `seen envelope:${cmd.envelope_id}`,
    `acked envelope:${cmd.envelope_id}`,
    `seen ${failedKey}`,
    `forget ${failedKey}`,
  ]);
});
