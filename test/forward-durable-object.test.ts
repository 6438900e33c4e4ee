// The forwarder on the edge: a Durable Object in real workerd (miniflare) runs Socket Mode against the simulator
// and hands each envelope to its own Worker's Hono app, which verifies Slack's signature with Web Crypto. The
// simulator records the acks the app's answers became.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

const SECRET = 'do-forward-signing-secret-77aa';
let sim: Simulator;
let mf: Miniflare;
beforeAll(async () => {
  sim = await startSimulator();
  const script = await bundle('test/helpers/forward-do-worker.ts', 'forward-do', 'workerd');
  mf = new Miniflare({
    modules: true,
    scriptPath: script,
    compatibilityDate: '2026-04-01',
    durableObjects: { FORWARDER: 'ForwarderDO' },
    bindings: { SLACK_APP_TOKEN: sim.appToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: sim.apiUrl },
  });
});
afterAll(async () => {
  await mf?.dispatchFetch('http://worker.local/stop').catch(() => undefined);
  await mf?.dispose();
  await sim?.close();
});

const call = async (path: string): Promise<any> => (await mf.dispatchFetch(`http://worker.local${path}`)).json();

it('a Durable Object forwards every kind to its Worker’s own HTTP-style app; the answers are the acks', async () => {
  expect(await call('/start')).toMatchObject({ running: true });
  await until(() => sim.connections().filter((c) => c.state === 'live').length === 1, 10_000, 'the live socket');

  const mention = sim.inject('app_mention');
  expect((await sim.waitForAck(mention.envelope_id)).payload).toBeUndefined();
  const command = sim.inject('slash_command', { command: '/edge', text: 'hi' });
  expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'edge: hi' });
  const click = sim.inject('block_actions');
  expect((await sim.waitForAck(click.envelope_id)).payload).toBeUndefined();
  const submission = sim.inject('view_submission');
  expect((await sim.waitForAck(submission.envelope_id)).payload).toEqual({
    response_action: 'errors',
    errors: { b: 'edge says no' },
  });
  const options = sim.inject('block_suggestion');
  expect((await sim.waitForAck(options.envelope_id)).payload).toEqual({
    options: [{ text: { type: 'plain_text', text: 'e' }, value: 'e' }],
  });
  const redelivery = { ...mention, envelope_id: crypto.randomUUID(), retry_attempt: 2, retry_reason: 'timeout' };
  sim.sendEnvelope(redelivery);
  await sim.waitForAck(redelivery.envelope_id);

  const status = await call('/status');
  // The client's dedupe keeps the redelivery of an acked event from the app: acked, not forwarded again.
  expect(status.seen).toEqual([
    'event app_mention retry=-',
    'command /edge',
    'block_actions',
    'view_submission',
    'block_suggestion',
  ]);
  expect(status.deliveries.map((d: any) => [d.status, d.acked, d.target])).toEqual(
    Array(5).fill([200, true, 'handler']),
  );

  // The same app refuses a request that did not come through the forwarder (unsigned), through the Worker's URL.
  const forged = await mf.dispatchFetch('http://worker.local/slack/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'event_callback', event: { type: 'app_mention' } }),
  });
  expect(forged.status).toBe(401);
}, 60_000);
