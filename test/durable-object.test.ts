// The Durable Object bot (examples/durable-object) in real workerd, against the simulator over loopback:
// it answers, acks never wait for the reply, and after the object is restarted its alarm brings it back
// with no request from anyone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

let sim: Simulator;
let mf: Miniflare | undefined;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await mf?.dispose();
  await sim?.close();
});

const live = () => sim.connections().filter((c) => c.state === 'live').length;

it('runs the bot in a Durable Object, and the alarm restarts it after the object is restarted', async () => {
  const script = await bundle('examples/durable-object/src/bot.ts', 'do-bot', 'workerd');
  const options = {
    modules: true,
    scriptPath: script,
    compatibilityDate: '2026-04-01',
    durableObjects: { BOT: 'SocketModeBot' },
    bindings: {
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_API_URL: sim.apiUrl,
      WATCHDOG_SECONDS: '1',
      ROTATE_SECONDS: '300',
    },
  };
  mf = new Miniflare(options);
  const status = await (await mf.dispatchFetch('http://bot.local/start')).json() as any;
  expect(status).toMatchObject({ enabled: true, running: true, hellos: 1 });
  expect(live()).toBe(1);

  // A mention: acked at once, answered through chat.postMessage (slow work via waitUntil).
  const mention = sim.inject('app_mention', { text: '<@U0BOT> hi from DO', channel: 'C0DO' });
  const ack = await sim.waitForAck(mention.envelope_id);
  expect(ack.payload).toBeUndefined();
  await until(() => sim.posted.some((p) => (p.body as any)?.text === 'echo: <@U0BOT> hi from DO'), 10_000, 'reply');
  const reply = sim.posted.find((p) => (p.body as any)?.text === 'echo: <@U0BOT> hi from DO')!;
  expect(reply.kind).toBe('chat.postMessage');
  expect((reply.body as any).channel).toBe('C0DO');

  // A slash command: the reply is the ack payload.
  const slash = sim.inject('slash_command', { command: '/echo', text: 'from the edge' });
  expect((await sim.waitForAck(slash.envelope_id)).payload).toEqual({ text: 'echo: from the edge' });

  // Restart the object (what a deploy or runtime update does): its socket drops...
  const firstBoot = status.bootedAt;
  await mf.setOptions(options);
  await until(() => live() === 0, 10_000, 'the old socket to drop');
  // ...and the alarm, with no request from anyone, starts a fresh client.
  await until(() => live() === 1, 20_000, 'the watchdog alarm to reconnect');
  const after = sim.inject('slash_command', { command: '/echo', text: 'after restart' });
  expect((await sim.waitForAck(after.envelope_id)).payload).toEqual({ text: 'echo: after restart' });
  // A redelivery of the first mention (same event_id) reaching the restarted object: acked, not answered
  // again — the dedupe store lives in the object's storage.
  const redelivery = { ...mention, envelope_id: crypto.randomUUID() as string, retry_attempt: 1, retry_reason: 'timeout' };
  sim.sendEnvelope(redelivery);
  await sim.waitForAck(redelivery.envelope_id);
  const marker = sim.inject('slash_command', { command: '/echo', text: 'marker' });
  await sim.waitForAck(marker.envelope_id);
  await new Promise((r) => setTimeout(r, 200)); // a reply, if one were coming, is a waitUntil away
  expect(sim.posted.filter((p) => (p.body as any)?.text === 'echo: <@U0BOT> hi from DO')).toHaveLength(1);

  const status2 = await (await mf.dispatchFetch('http://bot.local/status')).json() as any;
  expect(status2.bootedAt).not.toBe(firstBoot);
  expect(status2.running).toBe(true);

  // Stop: the socket closes and the watchdog stands down.
  await mf.dispatchFetch('http://bot.local/stop');
  await until(() => live() === 0, 10_000, 'stop to close the socket');
}, 90_000);
