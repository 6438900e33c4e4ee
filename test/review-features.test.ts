// Review of the full client's features: each test pins one behaviour that was wrong before its fix.
// Real simulator over loopback unless a test says otherwise.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { durableObjectDedupeStore, type DurableObjectStorageLike, type SocketModeOptions } from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Busy-waits: the event loop can read nothing meanwhile (a long synchronous handler, CPU starvation). */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

test('an event loop blocked past the pong deadline right after a ping does not make a healthy socket "dead"', async () => {
  h = await harness();
  const pongTimeoutMs = 200;
  let blockOnce = false;
  // ws whose ping() is followed by a synchronous stall longer than the pong deadline (the pong is on its way).
  class Stalling extends WebSocket {
    override ping(...a: Parameters<WebSocket['ping']>): void {
      super.ping(...a);
      if (blockOnce) {
        blockOnce = false;
        // The stall starts once the ping's timer callback (which arms the pong deadline) has returned.
        setImmediate(() => block(pongTimeoutMs * 2));
      }
    }
  }
  const client = h.client({ WebSocket: Stalling as unknown as SocketModeOptions['WebSocket'], pingIntervalMs: 50, pongTimeoutMs });
  const reasons: string[] = [];
  client.on('reconnecting', (e) => void reasons.push(e.reason));
  await client.start();
  await delay(200); // a few healthy ping/pong rounds
  blockOnce = true;
  await until(() => !blockOnce, 'the stalled ping');
  await delay(pongTimeoutMs * 3); // several more ping rounds with the loop running
  expect(reasons).toEqual([]);
  expect(h.sim.openCalls).toBe(1);
});

test("Slack's warning on a socket our own proactive refresh is already replacing: it stays open until refresh_requested", async () => {
  // Slack keeps routing to a warned socket until refresh_requested (a long lead stands in for that wait).
  h = await harness({ approximateConnectionTimeSec: 1, refreshWarningLeadMs: 60_000 });
  const sim = h.sim;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const client = h.client({
    pingIntervalMs: 0,
    rotateAfterMs: 0,
    openConnection: async () => {
      calls++;
      if (calls === 2) await gate; // the replacement's URL is slow to come
      const res = await fetch(`${sim.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${sim.appToken}` } });
      return ((await res.json()) as { url: string }).url;
    },
  });
  const reasons: string[] = [];
  client.on('reconnecting', (e) => void reasons.push(e.reason));
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  const handled: string[] = [];
  client.on('slash_commands', ({ ack, envelope_id }) => {
    handled.push(envelope_id);
    return ack();
  });
  await client.start();
  const [first] = sim.connections();
  await until(() => reasons.includes('connection_time') && calls === 2, 'the proactive refresh to start');
  sim.refresh({ connectionId: first!.id, warning: true });
  await until(() => h!.lines.some((l) => l.includes('Slack sent disconnect (warning)')), 'the warning to arrive');
  release();
  await until(() => connected.length === 2, 'the replacement');
  await delay(100);
  // Slack has not sent refresh_requested: it may still route here.
  sim.sendEnvelope(
    { envelope_id: 'late-1', type: 'slash_commands', accepts_response_payload: true, payload: { command: '/x', text: '' } },
    { connectionId: first!.id },
  );
  await sim.waitForAck('late-1', 5000);
  expect(handled).toContain('late-1');
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
    const keys = [...this.data.keys()].filter((k) => (!o.prefix || k.startsWith(o.prefix)) && (!o.end || k < o.end)).sort();
    return new Map(keys.slice(0, o.limit ?? Infinity).map((k) => [k, this.data.get(k)]));
  }
}

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

test("Slack's warning on a replaced socket still draining its acks: it stays open until refresh_requested", async () => {
  h = await harness({ approximateConnectionTimeSec: 1, refreshWarningLeadMs: 60_000 });
  const sim = h.sim;
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 0 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handled: string[] = [];
  client.on('slash_commands', async ({ ack, envelope_id }) => {
    handled.push(envelope_id);
    if (envelope_id === 'slow-1') await gate; // its ack keeps the replaced socket draining
    return ack();
  });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  const [first] = sim.connections();
  const cmd = (id: string) => ({ envelope_id: id, type: 'slash_commands', accepts_response_payload: true, payload: { command: '/x', text: '' } });
  sim.sendEnvelope(cmd('slow-1'), { connectionId: first!.id });
  await until(() => handled.includes('slow-1'), 'the slow command');
  await until(() => connected.length === 2, 'the proactive replacement');
  sim.refresh({ connectionId: first!.id, warning: true });
  await until(() => h!.lines.some((l) => l.includes('Slack sent disconnect (warning)')), 'the warning to arrive');
  release();
  await sim.waitForAck('slow-1', 5000);
  await delay(100);
  sim.sendEnvelope(cmd('late-1'), { connectionId: first!.id }); // no refresh_requested yet: Slack may route here
  await sim.waitForAck('late-1', 5000);
  expect(handled).toContain('late-1');
  // refresh_requested: now it goes (its envelopes are acked).
  sim.refresh({ connectionId: first!.id, warning: false });
  await until(() => sim.connections().find((c) => c.id === first!.id)!.state === 'closed', 'the old socket to close');
});
