// Every envelope gets an answer: one no listener takes is acked without a payload (Slack would otherwise retry
// it, fail the user's click or command, and in the end disable event delivery), with one warning per type.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { SocketModeClient, type Logger, type SocketModeOptions } from '../src/index.ts';
import { SocketModeClient as CoreClient } from '../src/core/index.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { until } from './helpers/client-harness.ts';

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
    logger: { debug: none, info: none, warn: (...a: unknown[]) => void warns.push(a.join(' ')), error: none, setLevel: none, getLevel: () => 'debug' as never, setName: none },
  };
}

test.each([
  ['full client', SocketModeClient],
  ['core client', CoreClient],
])('%s: envelopes no listener takes are acked without a payload, warned once per type; a listener that never acks is not overruled', async (_name, Client) => {
  sim = await startSimulator({ ackTimeoutMs: 300, redeliveryDelaysMs: [] });
  const { logger, warns } = countingLogger();
  const c = new Client({ appToken: sim.appToken, apiUrl: sim.apiUrl, WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'], logger, drainTimeoutMs: 0 });
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
});

test('a slack_event listener takes every envelope: nothing is acked for it', async () => {
  sim = await startSimulator({ ackTimeoutMs: 300, redeliveryDelaysMs: [] });
  const { logger, warns } = countingLogger();
  const c = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'], logger, drainTimeoutMs: 0 });
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
  const c = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'], logger, drainTimeoutMs: 0 });
  client = c;
  c.on('app_mention', ({ ack }) => ack());
  await c.start();
  const mention = sim.inject('app_mention');
  const message = sim.inject('message');
  await until(() => sim!.acks.length === 2, 'both acks');
  expect(sim.acks.map((a) => a.envelope_id).sort()).toEqual([mention.envelope_id, message.envelope_id].sort());
  expect(sim.missedDeadlines()).toEqual([]);
});
