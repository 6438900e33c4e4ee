// Graceful shutdown: disconnect() closes the sockets only once every envelope received (and every one arriving
// meanwhile) has been acked, within a bound; 0 (or a second call, or an abort) closes at once. And a retried
// ack after a refused one never resolves unsent. Against the simulator over loopback.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { DisconnectedError, type AckFn, type DedupeStore, type SocketModeOptions } from '../src/index.ts';
import { CoreClient } from '../src/core/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const uniqueAcks = (): number => new Set(h!.sim.acks.map((a) => a.envelope_id)).size;

describe('graceful disconnect()', () => {
  test.each([
    ['full client', false],
    ['core client', true],
  ])(
    '%s: disconnect() during a burst of 10,000 slash commands acked 2 ms later: all 10,000 acked, none rejected',
    async (_name, core) => {
      const N = 10_000;
      h = await harness();
      const { sim } = h;
      const client = core
        ? new CoreClient({
            appToken: sim.appToken,
            apiUrl: sim.apiUrl,
            WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
            logger: h.logger,
          })
        : h.client();
      const rejected: unknown[] = [];
      let handled = 0;
      let handledWhileDraining = 0;
      let stopped: Promise<void> | undefined;
      client.on('slash_commands', ({ ack }) => {
        handled++;
        if (stopped) handledWhileDraining++;
        setTimeout(() => void ack({ text: 'ok' }).catch((e: unknown) => rejected.push(e)), 2);
        if (handled === 1000) {
          stopped = client.disconnect();
          expect(client.state).toBe('disconnecting');
        }
      });
      await client.start();
      for (let i = 0; i < N; i++) sim.inject('slash_command', { text: `n${i}` });
      await until(() => stopped !== undefined, 'disconnect() called', 20_000);
      await stopped;
      expect(client.state).toBe('disconnected');
      await until(() => uniqueAcks() >= N, `the simulator to record ${N} acks (has ${uniqueAcks()})`, 20_000);
      expect(uniqueAcks()).toBe(N);
      expect(handled).toBe(N);
      // Envelopes Slack sent after disconnect() were handled (and acked) too.
      expect(handledWhileDraining).toBeGreaterThan(0);
      expect(rejected).toEqual([]);
      expect(sim.missedDeadlines()).toEqual([]);
      if (!core) await client.disconnect();
    },
    60_000,
  );

  test("an envelope arriving during the drain goes to its handler and is acked; 'disconnecting' is emitted at its start", async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const events: string[] = [];
    client.on('disconnecting', () => void events.push('disconnecting'));
    client.on('disconnected', () => void events.push('disconnected'));
    const held: AckFn[] = [];
    client.on('slash_commands', ({ ack, body }) => {
      events.push(`handled ${String(body.text)}`);
      held.push(ack);
    });
    await client.start();
    sim.inject('slash_command', { text: 'first' });
    await until(() => held.length === 1, 'the first envelope');
    const stopped = client.disconnect({ timeoutMs: 60_000 });
    expect(client.state).toBe('disconnecting');
    // Slack still routes to the open socket.
    sim.inject('slash_command', { text: 'second' });
    await until(() => held.length === 2, 'the second envelope, during the drain');
    await held[0]!('one');
    expect(client.state).toBe('disconnecting');
    await held[1]!('two');
    await stopped;
    expect(events).toEqual(['handled first', 'disconnecting', 'handled second', 'disconnected']);
    await until(() => sim.acks.length === 2, 'both acks');
    expect(sim.acks.map((a) => a.payload)).toEqual([{ text: 'one' }, { text: 'two' }]);
    // Nothing opened meanwhile.
    expect(sim.openCalls).toBe(1);
  });

  test('with nothing unacked, disconnect() closes at once (no wait for the bound)', async () => {
    h = await harness();
    const client = h.client({ drainTimeoutMs: 600_000 });
    client.on('slash_commands', ({ ack }) => ack());
    await client.start();
    h.sim.inject('slash_command');
    await until(() => h!.sim.acks.length === 1, 'the ack');
    await client.disconnect();
    expect(client.state).toBe('disconnected');
  });

  test('traffic that never goes quiet: past half the bound, each socket closes at a moment with nothing unacked — no handler is cut', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ drainTimeoutMs: 1000 });
    const rejected: unknown[] = [];
    let handled = 0;
    client.on('slash_commands', ({ ack }) => {
      handled++;
      setTimeout(() => void ack({ text: 'ok' }).catch((e: unknown) => rejected.push(e)), 90);
    });
    await client.start();
    // A slash command every 100 ms, each acked 90 ms later: never 250 ms quiet, and one in a handler 90% of the time
    // (the bound would cut it). Bounded: 100 at most.
    let sent = 0;
    const feed = setInterval(() => {
      // Slack routes here until the close: the feed goes on while the client drains.
      if (sent < 100 && client.state !== 'disconnected') sim.inject('slash_command', { text: `n${sent++}` });
    }, 100);
    try {
      await until(() => handled >= 3, 'traffic flowing');
      await client.disconnect();
    } finally {
      clearInterval(feed);
    }
    expect(client.state).toBe('disconnected');
    expect(rejected).toEqual([]);
    await until(() => uniqueAcks() === handled, `${handled} acks (has ${uniqueAcks()})`);
    expect(uniqueAcks()).toBe(handled);
    expect(sent).toBeLessThan(100);
  });

  test('the bound cuts a handler that never acks; its late ack rejects `disconnected`', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack, body }) => {
      if (body.text === 'never') held = ack;
      else setTimeout(() => void ack(), 20);
    });
    await client.start();
    sim.inject('slash_command', { text: 'never' });
    const prompt = sim.inject('slash_command', { text: 'prompt' });
    await until(() => held !== undefined, 'the envelope');
    await client.disconnect({ timeoutMs: 300 });
    expect(client.state).toBe('disconnected');
    expect(sim.acks.map((a) => a.envelope_id)).toEqual([prompt.envelope_id]);
    const err = await held!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisconnectedError);
    expect((err as DisconnectedError).code).toBe('disconnected');
  });

  test('drainTimeoutMs: 0 (or timeoutMs: 0) closes at once, as before: an ack made afterwards rejects', async () => {
    for (const opts of [{ drainTimeoutMs: 0 }, {}]) {
      h = await harness();
      const client = h.client(opts);
      let held: AckFn | undefined;
      client.on('slash_commands', ({ ack }) => void (held = ack));
      await client.start();
      h.sim.inject('slash_command');
      await until(() => held !== undefined, 'the envelope');
      const stopped = 'drainTimeoutMs' in opts ? client.disconnect() : client.disconnect({ timeoutMs: 0 });
      const err = await held!().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DisconnectedError);
      await stopped;
      expect(h.sim.acks).toEqual([]);
      await h.cleanup();
      h = undefined;
    }
  });

  test('a second disconnect() forces the close; so does an aborted signal', async () => {
    for (const how of ['second call', 'abort'] as const) {
      h = await harness();
      const client = h.client();
      let held: AckFn | undefined;
      client.on('slash_commands', ({ ack }) => void (held = ack));
      await client.start();
      h.sim.inject('slash_command');
      await until(() => held !== undefined, 'the envelope');
      const ctl = new AbortController();
      let done = false;
      const first = client.disconnect({ timeoutMs: 600_000, signal: ctl.signal }).then(() => void (done = true));
      // Still draining after a few turns of the event loop.
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(done).toBe(false);
      expect(client.state).toBe('disconnecting');
      if (how === 'second call') await client.disconnect();
      else ctl.abort();
      await first;
      expect(client.state).toBe('disconnected');
      expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
      await h.cleanup();
      h = undefined;
    }
  });

  test('the socket dropping during the drain ends it: the late ack rejects', async () => {
    h = await harness();
    const client = h.client({ drainTimeoutMs: 600_000 });
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack }) => void (held = ack));
    await client.start();
    h.sim.inject('slash_command');
    await until(() => held !== undefined, 'the envelope');
    const stopped = client.disconnect();
    h.sim.drop();
    await stopped;
    expect(client.state).toBe('disconnected');
    expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    // No reconnect while draining.
    expect(h.sim.openCalls).toBe(1);
  });

  test('start() while draining is refused', async () => {
    h = await harness();
    const client = h.client();
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack }) => void (held = ack));
    await client.start();
    h.sim.inject('slash_command');
    await until(() => held !== undefined, 'the envelope');
    const stopped = client.disconnect();
    expect(await client.start().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    await held!();
    await stopped;
    expect(h.sim.acks.length).toBe(1);
  });

  test('maxConcurrentHandlers: queued envelopes run (and ack) during the drain', async () => {
    h = await harness();
    const client = h.client({ maxConcurrentHandlers: 1 });
    let handled = 0;
    client.on('slash_commands', async ({ ack }) => {
      handled++;
      await new Promise((r) => setTimeout(r, 10));
      await ack({ text: 'done' });
    });
    await client.start();
    for (let i = 0; i < 5; i++) h.sim.inject('slash_command');
    await until(() => handled === 1, 'the first handler');
    await client.disconnect();
    expect(handled).toBe(5);
    await until(() => h!.sim.acks.length === 5, 'five acks');
    // Each from its handler (with its payload), none auto-acked.
    expect(h.sim.acks.map((a) => a.payload)).toEqual(Array(5).fill({ text: 'done' }));
  });

  test('maxConcurrentHandlers: queued envelopes auto-acked while a handler holds the slot end the drain, and still run', async () => {
    h = await harness();
    const client = h.client({ maxConcurrentHandlers: 1, queuedAckMs: 50 });
    let handled = 0;
    let release!: () => void;
    const slotHeld = new Promise<void>((r) => (release = r));
    client.on('slash_commands', async ({ ack }) => {
      handled++;
      await ack();
      if (handled === 1) await slotHeld;
    });
    await client.start();
    for (let i = 0; i < 3; i++) h.sim.inject('slash_command');
    await until(() => handled === 1, 'the first handler');
    await client.disconnect({ timeoutMs: 600_000 });
    expect(h.sim.acks.length).toBe(3);
    expect(handled).toBe(1);
    release();
    await until(() => handled === 3, 'the queued (already acked) envelopes to run after the stop');
  });

  test("an async dedupe store's pending answer is waited for: the envelope is handled and acked", async () => {
    h = await harness();
    let asked = 0;
    const store: DedupeStore = {
      seen: () => {
        asked++;
        return new Promise((r) => setTimeout(() => r(false), 50));
      },
    };
    const client = h.client({ dedupe: store, drainTimeoutMs: 600_000 });
    client.on('slash_commands', ({ ack }) => ack('ok'));
    await client.start();
    h.sim.inject('slash_command');
    await until(() => asked === 1, 'the store to be asked');
    await client.disconnect();
    expect(h.sim.acks.map((a) => a.payload)).toEqual([{ text: 'ok' }]);
  });
});

describe('a retried ack after a refused one', () => {
  test('refused by disconnect(): the retry rejects again (nothing was sent)', async () => {
    h = await harness();
    const client = h.client({ drainTimeoutMs: 0 });
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack }) => void (held = ack));
    await client.start();
    h.sim.inject('slash_command');
    await until(() => held !== undefined, 'the envelope');
    await client.disconnect();
    expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    expect(await held!('again').catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    expect(h.sim.acks).toEqual([]);
  });

  test('queued while no socket was open, then rejected by disconnect(): the retry rejects too', async () => {
    h = await harness();
    const client = h.client();
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack }) => void (held = ack));
    await client.start();
    h.sim.inject('slash_command');
    await until(() => held !== undefined, 'the envelope');
    h.sim.failNextOpen({ status: 500 }, 1000);
    h.sim.drop();
    await until(() => client.connectionCount === 0 && client.connectionIds.length === 0, 'the socket to be gone');
    const queued = held!().catch((e: unknown) => e);
    await client.disconnect();
    expect(await queued).toBeInstanceOf(DisconnectedError);
    expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    expect(h.sim.acks).toEqual([]);
  });

  test('after a restart the retry is really sent', async () => {
    h = await harness();
    const client = h.client({ drainTimeoutMs: 0, dedupe: false });
    let held: AckFn | undefined;
    client.on('slash_commands', ({ ack }) => void (held = ack));
    await client.start();
    const env = h.sim.inject('slash_command');
    await until(() => held !== undefined, 'the envelope');
    await client.disconnect();
    expect(await held!().catch((e: unknown) => e)).toBeInstanceOf(DisconnectedError);
    await client.start();
    await held!('late');
    const rec = await h.sim.waitForAck(env.envelope_id);
    expect(rec.payload).toEqual({ text: 'late' });
  });
});
