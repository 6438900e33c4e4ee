// The Durable Object bot (examples/durable-object) in real workerd, against the simulator over loopback:
// it answers, acks never wait for the reply, after the object is restarted its alarm brings it back with no
// request from anyone, every kind of envelope gets its ack, and socket drops never leave it with more than one
// socket (nor any after /stop).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import type { InjectKind } from '../src/simulator/types.ts';
import { bundle } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

let sim: Simulator;
let script: string;
let mf: Miniflare | undefined;
beforeAll(async () => {
  sim = await startSimulator();
  script = await bundle('examples/durable-object/src/bot.ts', 'do-bot', 'workerd');
});
afterEach(async () => {
  await mf?.dispose();
  mf = undefined;
  await until(() => live() === 0, 10_000, 'the disposed object to lose its socket');
});
afterAll(async () => {
  await sim?.close();
});

const WATCHDOG_SECONDS = 1;
const liveIds = () =>
  sim
    .connections()
    .filter((c) => c.state === 'live')
    .map((c) => c.id);
const live = () => liveIds().length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function botOptions() {
  return {
    modules: true,
    scriptPath: script,
    compatibilityDate: '2026-04-01',
    durableObjects: { BOT: 'SocketModeBot' },
    bindings: {
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_API_URL: sim.apiUrl,
      WATCHDOG_SECONDS: String(WATCHDOG_SECONDS),
      ROTATE_SECONDS: '300',
    },
  };
}

async function call(path: string): Promise<any> {
  return (await mf!.dispatchFetch(`http://bot.local${path}`)).json();
}

/** Waits for the watchdog to wake `n` more times: long enough for a leaking bot to start another client. */
async function watchdogWakes(n: number): Promise<void> {
  const from = (await call('/status')).watchdogWakes as number;
  await until(
    async () => (await call('/status')).watchdogWakes >= from + n,
    (n + 3) * WATCHDOG_SECONDS * 1000,
    `${n} watchdog wakes`,
  );
}

it('runs the bot in a Durable Object, and the alarm restarts it after the object is restarted', async () => {
  const options = botOptions();
  mf = new Miniflare(options);
  const status = await call('/start');
  expect(status).toMatchObject({ enabled: true, running: true, hellos: 1, clientsStarted: 1 });
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
  const redelivery = {
    ...mention,
    envelope_id: crypto.randomUUID() as string,
    retry_attempt: 1,
    retry_reason: 'timeout',
  };
  sim.sendEnvelope(redelivery);
  await sim.waitForAck(redelivery.envelope_id);
  const marker = sim.inject('slash_command', { command: '/echo', text: 'marker' });
  await sim.waitForAck(marker.envelope_id);
  await sleep(200); // a reply, if one were coming, is a waitUntil away
  expect(sim.posted.filter((p) => (p.body as any)?.text === 'echo: <@U0BOT> hi from DO')).toHaveLength(1);

  const status2 = await call('/status');
  expect(status2.bootedAt).not.toBe(firstBoot);
  expect(status2).toMatchObject({ running: true, clientsStarted: 1 });

  // Stop: the socket closes and the watchdog stands down.
  await call('/stop');
  await until(() => live() === 0, 10_000, 'stop to close the socket');
}, 60_000);

it('acks every kind of envelope in time: events, slash commands and each interaction', async () => {
  mf = new Miniflare(botOptions());
  expect(await call('/start')).toMatchObject({ running: true, hellos: 1 });
  sim.resetStats();

  const kinds: InjectKind[] = [
    'app_mention',
    'message',
    'reaction_added',
    'slash_command',
    'block_actions',
    'view_submission',
    'view_closed',
    'shortcut',
    'block_suggestion',
  ];
  const sent = Array.from({ length: 50 }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const fields = kind === 'slash_command' ? { text: `n${i}` } : kind === 'block_suggestion' ? { value: `q${i}` } : {};
    return { kind, i, env: sim.inject(kind, fields) };
  });
  const ackOf = (id: string) => sim.acks.find((a) => a.envelope_id === id);
  // Bounded: each envelope is acked, or missed at its 3 s deadline.
  await until(
    () => sim.missedDeadlines().length > 0 || sent.every(({ env }) => ackOf(env.envelope_id)),
    10_000,
    'every ack or a miss',
  );

  expect(sim.missedDeadlines()).toEqual([]);
  const acks = sent.map(({ env }) => ackOf(env.envelope_id));
  expect(acks.filter((a) => a === undefined)).toHaveLength(0);
  expect(sim.acks.filter((a) => a.duplicate)).toEqual([]);
  // Each kind's ack carries what Slack expects back.
  sent.forEach(({ kind, i }, n) => {
    const payload = acks[n]!.payload;
    if (kind === 'slash_command') expect(payload).toEqual({ text: `echo: n${i}` });
    else if (kind === 'block_suggestion') expect((payload as any)?.options?.[0]?.text?.text).toBe(`echo: q${i}`);
    else expect(payload).toBeUndefined();
  });
  // Every kind was in the run (9 kinds over 50 envelopes).
  expect(new Set(sent.map((s) => s.kind)).size).toBe(kinds.length);
}, 30_000);

it('keeps one socket per object through socket drops, and none after /stop', async () => {
  mf = new Miniflare(botOptions());
  expect(await call('/start')).toMatchObject({ running: true, clientsStarted: 1 });
  expect(live()).toBe(1);

  for (let drop = 1; drop <= 3; drop++) {
    // Watch the dropped connection by id: after a healthy connection the reconnect is immediate, faster
    // than any poll of the live count could see it reach 0.
    const dropped = liveIds();
    sim.drop();
    // The one client reconnects by itself; the watchdog, waking meanwhile, must not start another.
    await until(() => dropped.every((id) => !liveIds().includes(id)), 10_000, `drop ${drop} to be seen`);
    await until(() => live() === 1, 15_000, `the client to reconnect after drop ${drop}`);
    await watchdogWakes(2);
    expect(live()).toBe(1);
  }
  const status = await call('/status');
  expect(status).toMatchObject({ running: true, clientsStarted: 1, liveConnections: 1 });
  expect(status.hellos).toBe(4);
  // The socket it kept is the one answering.
  const slash = sim.inject('slash_command', { text: 'after drops' });
  expect((await sim.waitForAck(slash.envelope_id)).payload).toEqual({ text: 'echo: after drops' });

  // /stop: no socket, and none comes back (the watchdog stood down, nothing reconnects).
  await call('/stop');
  await until(() => live() === 0, 10_000, 'stop to close the socket');
  const opens = sim.openCalls;
  await sleep(3 * WATCHDOG_SECONDS * 1000);
  expect(live()).toBe(0);
  expect(sim.openCalls).toBe(opens);

  // /stop while the client is reconnecting after a drop: that client stops too.
  expect(await call('/start')).toMatchObject({ running: true, clientsStarted: 2 });
  const dropped = liveIds();
  sim.drop();
  await until(() => dropped.every((id) => !liveIds().includes(id)), 10_000, 'the drop to be seen');
  expect((await call('/stop')).running).toBe(false);
  const opens2 = sim.openCalls;
  await sleep(3 * WATCHDOG_SECONDS * 1000);
  expect(live()).toBe(0);
  expect(sim.openCalls).toBeLessThanOrEqual(opens2 + 1); // at most an open already under way, then closed
  expect(sim.connections().filter((c) => c.state !== 'closed')).toEqual([]);
}, 60_000);
