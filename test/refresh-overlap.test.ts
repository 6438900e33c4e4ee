// After a `warning`, Slack keeps routing envelopes to the old connection until `refresh_requested`. A standard
// WebSocket drops frames that arrive after our own close(), so the client must keep the old socket open (and
// listening) until Slack says so — even though the replacement is already live.
import { afterEach, expect, test } from 'vitest';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

test('the warned socket still receives and acks envelopes after the replacement is live', async () => {
  // A long warning lead: the replacement is live well before Slack sends refresh_requested.
  h = await harness({ refreshWarningLeadMs: 1_500, refreshCloseDelayMs: 200 });
  const { sim } = h;
  const client = h.client();
  const seen = new Map<string, string>(); // envelope_id -> connection_id it arrived on
  client.on('slack_event', ({ ack, envelope_id, connection_id }) => {
    seen.set(envelope_id, connection_id);
    void ack();
  });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  const [oldSim] = sim.connections().filter((c) => c.state === 'live');

  sim.refresh({ connectionId: oldSim!.id, warning: true });
  await until(() => connected.length === 2, 'the replacement hello');

  // Slack may still route to the warned connection: deliver straight to it.
  const late = [0, 1, 2].map(() => {
    const env = { envelope_id: crypto.randomUUID() as string, type: 'slash_commands', accepts_response_payload: true,
      payload: { command: '/late', text: 'routed to the old socket' } };
    sim.sendEnvelope(env, { connectionId: oldSim!.id });
    return env.envelope_id;
  });
  await until(() => late.every((id) => sim.acks.some((a) => a.envelope_id === id)), 'acks of the late envelopes', 5_000);
  expect(late.map((id) => seen.get(id))).toEqual([connected[0], connected[0], connected[0]]);
  expect(sim.acks.filter((a) => late.includes(a.envelope_id)).map((a) => a.connectionId)).toEqual([oldSim!.id, oldSim!.id, oldSim!.id]);

  // Once Slack's refresh_requested + close have happened, only the replacement remains.
  await until(() => sim.connections().filter((c) => c.state !== 'closed').length === 1, 'the old socket to close', 5_000);
  expect(client.connectionCount).toBe(1);
  expect(sim.missedDeadlines()).toEqual([]);
});
