// Where the socket cannot ping (pingIntervalMs: 0 here; Deno, browsers, workerd, undici in real life), a pool member
// that receives nothing while its siblings receive is presumed dead and replaced make-before-break
// (src/features/silence.ts); an idle pool, or a member that random routing happens to skip, is left alone.
// Real sockets against the simulator; counts and orderings, no timings.
import { afterEach, expect, test } from 'vitest';
import type { ReconnectingEvent, SocketModeClient } from '../src/index.ts';
import type { SimulatorOptions } from '../src/simulator/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const liveIds = (h: Harness): string[] =>
  h.sim
    .connections()
    .filter((c) => c.state === 'live')
    .map((c) => c.id);

/** A no-ping pool of `n`, started and full; records every `reconnecting` event. */
async function pool(
  n: number,
  simOpts: SimulatorOptions = {},
): Promise<{ client: SocketModeClient; reconnects: ReconnectingEvent[] }> {
  h = await harness({ pingIntervalMs: 0, ...simOpts });
  const client = h.client({ connections: n, pingIntervalMs: 0 });
  const reconnects: ReconnectingEvent[] = [];
  client.on('reconnecting', (e) => void reconnects.push(e));
  client.on('slack_event', ({ ack }) => ack());
  await client.start();
  await until(() => client.connectionCount === n && liveIds(h!).length === n, 'pool full');
  return { client, reconnects };
}

/** Injects `count` envelopes, one every `everyMs`, a slash command every 10th; returns their ids. */
async function flow(count: number, everyMs: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(h!.sim.inject(i % 10 === 9 ? 'slash_command' : 'message').envelope_id);
    await delay(everyMs);
  }
  return ids;
}

for (const n of [2, 10]) {
  test(`no-ping pool of ${n}: a member that dies silently is replaced; its siblings keep acking${n === 10 ? '; never below 9 live' : ''}`, async () => {
    const { client, reconnects } = await pool(n);
    const { sim } = h!;
    let minLive = n;
    const off = sim.on('connection', () => void (minLive = Math.min(minLive, liveIds(h!).length)));
    const before = new Set(liveIds(h!));
    sim.resetStats();
    const victim = liveIds(h!)[0]!;
    // Slack would keep routing there for a minute: only the client can end it.
    sim.silentDeath({ connectionId: victim, routeForMs: 60_000 });
    const ids: string[] = [];
    // Bounded: at most 1,500 envelopes (30 s at 50/s); stops once the replacement is live.
    for (
      let i = 0;
      i < 1500 && !(sim.connections().find((c) => c.id === victim)?.state === 'closed' && liveIds(h!).length === n);
      i++
    ) {
      ids.push(...(await flow(10, n === 10 ? 5 : 20)));
    }
    ids.push(...(await flow(50, 5)));
    off();
    const silent = reconnects.filter((e) => e.reason === 'silent');
    expect(silent).toHaveLength(1);
    expect(sim.connections().find((c) => c.id === victim)?.state).toBe('closed');
    // Make-before-break (n = 2) or close-then-open at Slack's cap (n = 10): either way the other members stayed live.
    expect(minLive).toBeGreaterThanOrEqual(n - 1);
    const live = liveIds(h!);
    expect(live).toHaveLength(n);
    expect(live.filter((id) => !before.has(id))).toHaveLength(1);
    // Everything Slack sent to a live member was acked; only what it routed into the dead path is lost.
    const lostTo = new Set(sim.deliveries.filter((d) => d.connectionId === victim).map((d) => d.envelope_id));
    for (const id of ids) if (!lostTo.has(id)) await sim.waitForAck(id, 5000);
    expect(sim.acks.filter((a) => a.duplicate)).toEqual([]);
    expect(client.connectionCount).toBe(n);
  }, 60_000);
}

test('an idle no-ping pool is never rotated for silence', async () => {
  const { reconnects } = await pool(2);
  const opens = h!.sim.openCalls;
  // Well past the 2 s a member must be silent for, several looks at the pool.
  await delay(3500);
  expect(reconnects).toEqual([]);
  expect(h!.sim.openCalls).toBe(opens);
});

// Random routing leaves a healthy member unrouted for a while; that alone must never condemn it. The streaks below
// are routed on purpose (every envelope to the first live member) and stay just under what the pool size asks for
// (21 sibling envelopes per member: 42 in a pool of 2, 63 in a pool of 3); the last run is plain random routing.
for (const [n, count, everyMs, routing] of [
  [2, 40, 75, 'first'],
  [3, 60, 50, 'first'],
  [2, 40, 100, 'random'],
] as const) {
  test(`no-ping pool of ${n}: ${count} envelopes over ~${(count * everyMs) / 1000} s, ${routing === 'first' ? 'all routed to one member' : 'random routing'}: no rotation`, async () => {
    let skew = false;
    const { reconnects } = await pool(n, { random: () => (skew ? 0 : Math.random()) });
    const { sim } = h!;
    const opens = sim.openCalls;
    skew = routing === 'first';
    const ids = await flow(count, everyMs);
    // A few more looks after the last envelope.
    await delay(1000);
    for (const id of ids) await sim.waitForAck(id, 5000);
    if (routing === 'first') expect(new Set(sim.deliveries.map((d) => d.connectionId)).size).toBe(1);
    expect(reconnects).toEqual([]);
    expect(sim.openCalls).toBe(opens);
  }, 30_000);
}

// A stalled event loop can hand one socket's buffered frames to the client before another's are read: that must not
// look like a silent member. Handlers here block the loop for 1 s, every 40th envelope, through bursts and a flow.
test('no-ping pool of 2 whose handlers block the event loop for 1 s: no rotation', async () => {
  h = await harness({ pingIntervalMs: 0 });
  const client = h.client({ connections: 2, pingIntervalMs: 0 });
  const reconnects: ReconnectingEvent[] = [];
  client.on('reconnecting', (e) => void reconnects.push(e));
  let n = 0;
  client.on('slack_event', ({ ack }) => {
    ack();
    if (++n % 40 === 0) {
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        // blocking on purpose
      }
    }
  });
  await client.start();
  await until(() => client.connectionCount === 2 && liveIds(h!).length === 2, 'pool full');
  const opens = h.sim.openCalls;
  // Bursts (injected in one synchronous run, so they wait in both sockets' buffers) and a paced flow.
  const ids: string[] = [];
  for (let b = 0; b < 4; b++) {
    for (let i = 0; i < 100; i++) ids.push(h.sim.inject(i % 10 === 9 ? 'slash_command' : 'message').envelope_id);
    ids.push(...(await flow(25, 20)));
  }
  await delay(1000);
  for (const id of ids) await h.sim.waitForAck(id, 20_000);
  expect(n).toBeGreaterThanOrEqual(500);
  expect(reconnects).toEqual([]);
  expect(h.sim.openCalls).toBe(opens);
}, 60_000);
