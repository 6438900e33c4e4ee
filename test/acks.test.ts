// Every envelope gets an answer: one no listener takes is acked without a payload (Slack would otherwise retry
// it, fail the user's click or command, and in the end disable event delivery), with one warning per type.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { CoreClient } from '../src/core/index.ts';
import {
  AckTooLargeError,
  SocketModeClient,
  SocketModeError,
  type Logger,
  type SocketModeOptions,
} from '../src/index.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

let sim: Simulator | undefined;
let client: { disconnect(): Promise<void> } | undefined;
afterEach(async () => {
  await client?.disconnect();
  await sim?.close();
  sim = client = undefined;
});

/** A logger that counts what it is given, by level. */
function countingLogger(): { logger: Logger; warns: string[] } {
  const warns: string[] = [];
  const none = (): void => {};
  return {
    warns,
    logger: {
      debug: none,
      info: none,
      warn: (...a: unknown[]) => void warns.push(a.join(' ')),
      error: none,
      setLevel: none,
      getLevel: () => 'debug' as never,
      setName: none,
    },
  };
}

test.each([
  ['full client', SocketModeClient],
  ['core client', CoreClient],
])(
  '%s: envelopes no listener takes are acked without a payload, warned once per type; a listener that never acks is not overruled',
  async (_name, Client) => {
    sim = await startSimulator({ ackTimeoutMs: 300, redeliveryDelaysMs: [] });
    const { logger, warns } = countingLogger();
    const c = new Client({
      appToken: sim.appToken,
      apiUrl: sim.apiUrl,
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
      drainTimeoutMs: 0,
    });
    client = c;
    // Only slash commands are listened to, and this listener never acks.
    let slashes = 0;
    c.on('slash_commands', () => void slashes++);
    await c.start();
    const ids = [
      sim.inject('block_actions'),
      sim.inject('view_submission'),
      sim.inject('block_actions'),
      sim.inject('app_mention'),
      sim.inject('app_mention'),
      sim.inject('reaction_added'),
    ].map((e) => e.envelope_id);
    sim.sendEnvelope({ envelope_id: 'weird-1', type: 'something_new', payload: {}, accepts_response_payload: false });
    sim.sendEnvelope({ envelope_id: 'weird-2', type: 'something_new', payload: {}, accepts_response_payload: false });
    ids.push('weird-1', 'weird-2');
    const slash = sim.inject('slash_command');
    await until(() => sim!.missedDeadlines().length === 1, 'the slash command to miss its deadline');
    await until(() => sim!.acks.length === ids.length, 'the acks');
    expect(sim.acks.map((a) => a.envelope_id).sort()).toEqual([...ids].sort());
    expect(sim.acks.every((a) => a.payload === undefined && !a.duplicate)).toBe(true);
    // The one type with a listener is left to it: no ack, a missed deadline.
    expect(slashes).toBe(1);
    expect(sim.missedDeadlines().map((m) => m.envelope_id)).toEqual([slash.envelope_id]);
    // Once per type: interactive, app_mention, reaction_added, unknown_envelope.
    const noListener = warns.filter((w) => w.includes('No listener'));
    expect(noListener).toHaveLength(4);
    for (const t of ['interactive', 'app_mention', 'reaction_added', 'unknown_envelope']) {
      expect(noListener.filter((w) => w.includes(`No listener for ${t};`))).toHaveLength(1);
    }
  },
);

test('a slack_event listener takes every envelope: nothing is acked for it', async () => {
  sim = await startSimulator({ ackTimeoutMs: 300, redeliveryDelaysMs: [] });
  const { logger, warns } = countingLogger();
  const c = new SocketModeClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
    logger,
    drainTimeoutMs: 0,
  });
  client = c;
  const seen: string[] = [];
  c.on('slack_event', ({ type }) => void seen.push(type));
  await c.start();
  sim.inject('block_actions');
  sim.inject('app_mention');
  await until(() => sim!.missedDeadlines().length === 2, 'both deadlines to pass');
  expect(seen.sort()).toEqual(['events_api', 'interactive']);
  expect(sim.acks).toEqual([]);
  expect(warns.filter((w) => w.includes('No listener'))).toEqual([]);
});

test('an events_api listener for one inner type does not take another', async () => {
  sim = await startSimulator({ ackTimeoutMs: 300, redeliveryDelaysMs: [] });
  const { logger } = countingLogger();
  const c = new SocketModeClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
    logger,
    drainTimeoutMs: 0,
  });
  client = c;
  c.on('app_mention', ({ ack }) => ack());
  await c.start();
  const mention = sim.inject('app_mention');
  const message = sim.inject('message');
  await until(() => sim!.acks.length === 2, 'both acks');
  expect(sim.acks.map((a) => a.envelope_id).sort()).toEqual([mention.envelope_id, message.envelope_id].sort());
  expect(sim.missedDeadlines()).toEqual([]);
});

describe('acks', () => {
  test('ack payload round-trips for each envelope type', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const payloads: Record<string, unknown> = {
      slash_command: { text: 'pong', response_type: 'ephemeral' },
      block_actions: { text: 'clicked' },
      view_submission: { response_action: 'errors', errors: { block: 'bad' } },
      block_suggestion: { options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }] },
    };
    client.on('slash_commands', ({ ack }) => ack(payloads.slash_command as Record<string, unknown>));
    client.on('interactive', ({ ack, body }) => ack(payloads[body.type] as Record<string, unknown>));
    client.on('app_mention', ({ ack, event }) => {
      expect(event?.type).toBe('app_mention');
      return ack();
    });
    await client.start();

    for (const kind of ['slash_command', 'block_actions', 'view_submission', 'block_suggestion'] as const) {
      const env = sim.inject(kind);
      const rec = await sim.waitForAck(env.envelope_id, 5000);
      expect(rec.payload, kind).toEqual(payloads[kind]);
      expect(rec.duplicate).toBe(false);
    }
    const ev = sim.inject('app_mention');
    const rec = await sim.waitForAck(ev.envelope_id, 5000);
    expect(rec.payload).toBeUndefined();
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('a string payload becomes {text}', async () => {
    h = await harness();
    const client = h.client();
    client.on('slash_commands', ({ ack }) => ack('hello!'));
    await client.start();
    const env = h.sim.inject('slash_command');
    expect((await h.sim.waitForAck(env.envelope_id, 5000)).payload).toEqual({ text: 'hello!' });
  });

  test('payload on an envelope that does not accept one: warning, ack sent without it', async () => {
    h = await harness();
    const client = h.client();
    client.on('app_mention', ({ ack, accepts_response_payload }) => {
      expect(accepts_response_payload).toBe(false);
      return ack({ text: 'ignored' });
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    const rec = await h.sim.waitForAck(env.envelope_id, 5000);
    expect(rec.payload).toBeUndefined();
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('does not accept a response payload'))).toBe(true);
  });

  test('ack over 20 KB is refused with AckTooLargeError; a smaller retry still works', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    let rejection: unknown;
    client.on('slash_commands', async ({ ack }) => {
      try {
        await ack({ text: 'x'.repeat(21 * 1024) });
      } catch (e) {
        rejection = e;
      }
      await ack({ text: 'small' });
    });
    await client.start();
    const env = h.sim.inject('slash_command');
    const rec = await h.sim.waitForAck(env.envelope_id, 5000);
    expect(rejection).toBeInstanceOf(AckTooLargeError);
    expect((rejection as AckTooLargeError).code).toBe('ack_too_large');
    expect(errors.some((e) => e instanceof AckTooLargeError)).toBe(true);
    expect(rec.payload).toEqual({ text: 'small' });
    // Only the small one went out.
    const next = h.sim.inject('slash_command');
    await h.sim.waitForAck(next.envelope_id, 5000);
    expect(acksFor(env.envelope_id)).toHaveLength(1);
  });

  test('a second ack of one envelope is a no-op with a warning', async () => {
    h = await harness();
    const client = h.client();
    let second: Promise<void> | undefined;
    client.on('app_mention', async ({ ack }) => {
      await ack();
      second = ack({ text: 'again' });
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await until(() => second !== undefined, 'second ack');
    await expect(second).resolves.toBeUndefined();
    // A later envelope on the same socket is acked after anything the second ack could have sent.
    const later = h.sim.inject('app_mention');
    await h.sim.waitForAck(later.envelope_id, 5000);
    expect(acksFor(env.envelope_id)).toHaveLength(1);
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('already acked'))).toBe(true);
  });

  test('an envelope not acked before the deadline logs a warning', async () => {
    h = await harness();
    const client = h.client({ ackDeadlineWarnMs: 50 });
    let ackLater: (() => Promise<void>) | undefined;
    client.on('app_mention', ({ ack }) => {
      ackLater = ack;
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await until(
      () => h!.lines.some((l) => l.startsWith('warn') && l.includes(env.envelope_id) && l.includes('not acked')),
      'warning',
    );
    await ackLater!();
    await h.sim.waitForAck(env.envelope_id, 5000);
  });

  test('deadline warnings: only envelopes still un-acked are warned, each once, behind a stuck one too', async () => {
    h = await harness();
    const client = h.client({ ackDeadlineWarnMs: 100 });
    const held: Array<() => Promise<void>> = [];
    client.on('slash_commands', ({ ack }) => void held.push(ack));
    client.on('app_mention', ({ ack }) => ack());
    await client.start();
    // A stuck one first, then prompt ones behind it, then a second stuck one.
    const stuck = h.sim.inject('slash_command');
    const prompt = [h.sim.inject('app_mention'), h.sim.inject('app_mention')];
    const stuck2 = h.sim.inject('slash_command');
    for (const e of prompt) await h.sim.waitForAck(e.envelope_id, 5000);
    const warned = (id: string) => h!.lines.filter((l) => l.startsWith('warn') && l.includes(`${id} (`)).length;
    await until(() => warned(stuck.envelope_id) === 1 && warned(stuck2.envelope_id) === 1, 'both warned');
    // A later sweep (armed by a new arrival) warns nobody twice.
    const more = h.sim.inject('slash_command');
    await until(() => warned(more.envelope_id) === 1, 'the third warned');
    expect(prompt.map((e) => warned(e.envelope_id))).toEqual([0, 0]);
    expect([stuck, stuck2, more].map((e) => warned(e.envelope_id))).toEqual([1, 1, 1]);
    for (const ack of held) await ack();
  });

  test('acks made while no connection is open wait and flush on the next hello', async () => {
    h = await harness();
    const client = h.client();
    let held: (() => Promise<void>) | undefined;
    client.on('app_mention', ({ ack }) => {
      held = ack;
    });
    const disconnected: unknown[] = [];
    // Ack from inside 'disconnected': no connection is open at that moment, whatever the reconnect timing
    // (polling for it raced a reconnect that can finish within one poll interval).
    let countAtAck = -1;
    let p: Promise<void> | undefined;
    client.on('disconnected', (e) => {
      disconnected.push(e);
      if (p) return;
      countAtAck = client.connectionCount;
      p = held!();
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await until(() => held !== undefined, 'delivery');
    h.sim.drop();
    await until(() => p !== undefined, 'drop noticed');
    expect(countAtAck).toBe(0);
    await p;
    const rec = await h.sim.waitForAck(env.envelope_id, 10_000).catch((e) => {
      console.log(
        'DIAG',
        JSON.stringify(
          { lines: h!.lines, acks: h!.sim.acks, conns: h!.sim.connections(), deliveries: h!.sim.deliveries },
          null,
          1,
        ),
      );
      throw e;
    });
    expect(rec.envelope_id).toBe(env.envelope_id);
    expect(client.connectionCount).toBe(1);
  });

  test('unknown envelope types are surfaced with an ack', async () => {
    h = await harness();
    const client = h.client();
    const seen: string[] = [];
    client.on('unknown_envelope', ({ ack, type, envelope_id }) => {
      seen.push(`${type}:${envelope_id}`);
      return ack();
    });
    await client.start();
    h.sim.sendEnvelope({
      envelope_id: 'unk-1',
      type: 'future_thing',
      accepts_response_payload: false,
      payload: { a: 1 },
    });
    await until(() => acksFor('unk-1').length === 1, 'ack of unknown envelope');
    expect(seen).toEqual(['future_thing:unk-1']);
  });
});

// Pins a past defect: an envelope with retry_attempt: null was not delivered.
test('an envelope with retry_attempt: null (a field we do not rely on) is still delivered and acked', async () => {
  h = await harness();
  const client = h.client();
  const got: string[] = [];
  client.on('slash_commands', ({ ack, envelope_id }) => {
    got.push(envelope_id);
    void ack();
  });
  await client.start();
  const env = {
    envelope_id: crypto.randomUUID() as string,
    type: 'slash_commands',
    accepts_response_payload: true,
    retry_attempt: null,
    retry_reason: null,
    payload: { command: '/x', text: 'y' },
  };
  h.sim.sendEnvelope(env);
  await h.sim.waitForAck(env.envelope_id);
  expect(got).toEqual([env.envelope_id]);
});
