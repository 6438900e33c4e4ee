// The handler-concurrency bound (maxConcurrentHandlers): at most N envelopes in handlers, the rest queued FIFO,
// auto-acked after queuedAckMs, shed when the queue is full. Real sockets throughout.
import { afterEach, describe, expect, test } from 'vitest';
import { HandlerQueueFullError, SocketModeError } from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('handler concurrency (maxConcurrentHandlers)', () => {
  test('at most N envelopes in handlers; the rest wait FIFO; acks go out at once, never behind other handlers', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ maxConcurrentHandlers: 2, queuedAckMs: 0 });
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    const gates: Array<() => void> = [];
    client.on('slash_commands', async ({ ack, body }) => {
      order.push(String(body.text));
      active++;
      maxActive = Math.max(maxActive, active);
      await ack({ text: `got ${body.text}` }); // sent now, while the slow work below is pending
      await new Promise<void>((r) => gates.push(r));
      active--;
    });
    await client.start();
    const envs = Array.from({ length: 6 }, (_, i) => sim.inject('slash_command', { text: `n${i}` }));
    await until(() => gates.length === 2, 'two running');
    await delay(50);
    expect(client.handlerStats).toEqual({ active: 2, queued: 4 });
    // The two running have been acked already, though neither has finished.
    for (const e of envs.slice(0, 2))
      expect((await sim.waitForAck(e.envelope_id, 1000)).payload).toEqual({
        text: `got ${(e.payload as { text: string }).text}`,
      });
    expect(sim.acks.map((a) => a.envelope_id)).not.toContain(envs[2]!.envelope_id);
    for (let released = 0; released < 6; released++) {
      await until(() => gates.length > 0, 'a running handler');
      gates.shift()!();
      await delay(5);
    }
    for (const e of envs) await sim.waitForAck(e.envelope_id, 2000);
    await until(() => client.handlerStats.active === 0, 'all done');
    expect(maxActive).toBe(2);
    expect(order).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  });

  test("an envelope still queued after queuedAckMs is acked (no payload) so Slack's deadline holds; its handler runs later", async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ maxConcurrentHandlers: 1, queuedAckMs: 300 });
    let release: () => void = () => {};
    const ran: string[] = [];
    client.on('slash_commands', async ({ ack, body }) => {
      ran.push(String(body.text));
      await ack({ text: `late ${body.text}` });
      if (body.text === 'blocker') await new Promise<void>((r) => (release = r));
    });
    await client.start();
    const blocker = sim.inject('slash_command', { text: 'blocker' });
    await sim.waitForAck(blocker.envelope_id, 2000);
    const waiting = sim.inject('slash_command', { text: 'waiting' });
    const rec = await sim.waitForAck(waiting.envelope_id, 2000);
    expect(rec.payload).toBeUndefined(); // the auto-ack
    expect(ran).toEqual(['blocker']);
    release();
    await until(() => ran.length === 2, 'queued handler ran');
    await until(() => h!.lines.some((l) => l.includes('payload is dropped')), 'dropped-payload warning');
    expect(sim.acks.filter((a) => a.envelope_id === waiting.envelope_id)).toHaveLength(1);
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('a full queue sheds: acked, not delivered, reported as HandlerQueueFullError', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ maxConcurrentHandlers: 1, maxQueuedEnvelopes: 2, queuedAckMs: 0 });
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    let release: () => void = () => {};
    const ran: string[] = [];
    client.on('slack_event', async ({ ack, envelope_id }) => {
      ran.push(envelope_id);
      await ack();
      if (ran.length === 1) await new Promise<void>((r) => (release = r));
    });
    await client.start();
    const envs = Array.from({ length: 4 }, () => sim.inject('message'));
    await until(() => errors.length === 1, 'shed');
    expect(errors[0]).toBeInstanceOf(HandlerQueueFullError);
    expect((errors[0] as HandlerQueueFullError).envelopeId).toBe(envs[3]!.envelope_id);
    await sim.waitForAck(envs[3]!.envelope_id, 2000); // acked although shed
    release();
    for (const e of envs.slice(0, 3)) await sim.waitForAck(e.envelope_id, 2000);
    await until(() => ran.length === 3, 'the rest ran');
    expect(ran).toEqual(envs.slice(0, 3).map((e) => e.envelope_id));
  });

  test('options are validated', async () => {
    h = await harness();
    for (const bad of [0, -1, 1.5]) expect(() => h!.client({ maxConcurrentHandlers: bad })).toThrow(SocketModeError);
    expect(() => h!.client({ maxQueuedEnvelopes: -1 })).toThrow(SocketModeError);
    expect(() => h!.client({ connections: 11 })).toThrow(SocketModeError);
  });
});

// Pins a past defect: an envelope auto-acked while it waited for a handler slot was dropped at disconnect().
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
