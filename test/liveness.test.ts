// Ping liveness against the simulator over loopback (Node + ws): a silently dead socket — no close frame, Slack
// still routing into it — is replaced make-before-break, and a healthy one is never condemned (event loop stalls,
// a 50,000-envelope burst). Counts and orderings only; the deaf time is printed, not asserted.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { SocketModeClient, type SocketModeOptions } from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** Reasons the client gives for replacing a socket it judged dead (not an announced or observed close). */
const LIVENESS_REASONS = new Set(['pong_timeout']);

interface Watch {
  events: string[];
  handled: Map<string, number>;
  duplicates(): number;
  replacementsByLiveness(): number;
}

/** Records the client's connection events in order and every envelope its handler saw. */
function watch(client: SocketModeClient): Watch {
  const events: string[] = [];
  const handled = new Map<string, number>();
  client.on('reconnecting', (e) => void events.push(`reconnecting:${e.reason}`));
  client.on('connected', (e) => void events.push(`connected:${e.connection_id}${e.replaced ? `<${e.replaced}` : ''}`));
  client.on('disconnected', (e) => void events.push(`disconnected:${e.reason}`));
  client.on('slack_event', ({ ack, envelope_id, body }) => {
    // A redelivered event has a new envelope_id but the same event_id: either seen twice is a duplicate.
    const key = (body as { event_id?: string } | undefined)?.event_id ?? envelope_id;
    handled.set(key, (handled.get(key) ?? 0) + 1);
    void ack();
  });
  return {
    events,
    handled,
    duplicates: () => [...handled.values()].filter((n) => n > 1).length,
    replacementsByLiveness: () =>
      events.filter((e) => LIVENESS_REASONS.has(e.slice('reconnecting:'.length)) && e.startsWith('reconnecting:'))
        .length,
  };
}

/**
 * Routing that splits both all envelopes and the slash commands (every 10th) evenly over two connections, so
 * how many fail depends on the client, not on the dice: the k-th routing picks (k + ⌊k/10⌋) mod 2.
 */
function evenRouting(): () => number {
  let k = 0;
  return () => {
    const pick = (k + Math.floor(k / 10)) % 2;
    k++;
    return pick === 0 ? 0.25 : 0.75;
  };
}

/**
 * 50 envelopes/s (a slash command every 10th) for a while, a silent death of one live connection, traffic on
 * until the replacement is live and a little longer, then the ack windows run out. Returns what failed.
 */
async function silentDeathRun(connections: number) {
  h = await harness({ ackTimeoutMs: 3000, random: evenRouting() });
  const sim = h.sim;
  const client = h.client({ connections });
  const w = watch(client);
  await client.start();
  await until(() => client.connectionCount === connections, 'the pool');
  await sim.waitFor(() => sim.connections().filter((c) => c.state === 'live').length === connections);
  const before = w.events.length;
  let n = 0;
  const feed = setInterval(() => {
    n++;
    sim.inject(n % 10 === 0 ? 'slash_command' : 'message');
  }, 20);
  try {
    await delay(1000);
    const victim = sim.connections().find((c) => c.state === 'live')!;
    const deathAt = Date.now();
    sim.silentDeath({ connectionId: victim.id, closeReaches: true });
    const replacedAfterVerdict = (): boolean => {
      const verdict = w.events.indexOf('reconnecting:pong_timeout', before);
      return verdict >= 0 && w.events.slice(verdict).some((e) => e.startsWith('connected:'));
    };
    await until(replacedAfterVerdict, 'the replacement of the dead socket', 20_000);
    const deafMs = Date.now() - deathAt;
    const sentAfter = n;
    await until(() => n >= sentAfter + 25, 'traffic on the replacement'); // 0.5 s more traffic
    clearInterval(feed);
    await delay(3200); // every ack window of what was sent ends
    const slashSent = Math.floor(n / 10);
    const slashFailed = sim.missedDeadlines().filter((m) => m.type === 'slash_commands').length;
    return { w, victim, deafMs, slashSent, slashFailed, after: w.events.slice(before) };
  } finally {
    clearInterval(feed);
  }
}

test('a silently dead socket (single connection) is replaced after a missed pong, with no duplicate', async () => {
  const r = await silentDeathRun(1);
  // Replacement ordering: the verdict, then the new connection replacing the dead one.
  // The verdict, the loss of the only live socket, then a new connection replacing the dead one.
  expect(r.after.map((e) => e.split(':')[0])).toEqual(['reconnecting', 'disconnected', 'connected']);
  expect(r.after[0]).toBe('reconnecting:pong_timeout');
  const [deadId] = r.w.events[0]!.slice('connected:'.length).split('<');
  expect(r.after[2]!.endsWith(`<${deadId}`)).toBe(true);
  expect(r.w.replacementsByLiveness()).toBe(1);
  expect(r.w.duplicates()).toBe(0);
  expect(r.slashFailed).toBeLessThan(r.slashSent); // the replacement carries the rest
  console.log(
    `silent death, 1 connection: replaced after ${r.deafMs} ms; ${r.slashFailed}/${r.slashSent} slash commands failed`,
  );
});

test('a silently dead socket in a pool of 2: never without a live socket, at most 8 slash commands fail', async () => {
  const r = await silentDeathRun(2);
  expect(r.after).toContain('reconnecting:pong_timeout');
  expect(r.after.filter((e) => e.startsWith('disconnected:'))).toEqual([]); // the client always held a live socket
  expect(r.w.replacementsByLiveness()).toBe(1);
  expect(r.w.duplicates()).toBe(0);
  expect(r.slashFailed).toBeLessThanOrEqual(8);
  console.log(
    `silent death, pool of 2: replaced after ${r.deafMs} ms; ${r.slashFailed}/${r.slashSent} slash commands failed`,
  );
});

/** ws that counts its pings (to show the liveness check really ran), and can stall the loop right after one. */
function countingWs(): {
  Ctor: SocketModeOptions['WebSocket'];
  pings: () => number;
  stallAfterNextPing(ms: number): void;
} {
  let pings = 0;
  let stall = 0;
  class Counting extends WebSocket {
    override ping(...a: Parameters<WebSocket['ping']>): void {
      pings++;
      super.ping(...a);
      if (stall > 0) {
        const ms = stall;
        stall = 0;
        // Before the loop can read the pong: as a handler that runs right after the liveness timer would.
        queueMicrotask(() => block(ms));
      }
    }
  }
  return {
    Ctor: Counting as unknown as SocketModeOptions['WebSocket'],
    pings: () => pings,
    stallAfterNextPing: (ms) => void (stall = ms),
  };
}

/** Busy-waits: the event loop reads nothing meanwhile (a long synchronous handler). */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

test('handlers that block the event loop for 1 s do not condemn a healthy socket', async () => {
  h = await harness();
  const sim = h.sim;
  const ws = countingWs();
  const client = h.client({ WebSocket: ws.Ctor });
  const w = watch(client);
  let blocks = 0;
  client.on('message', () => {
    blocks++;
    block(1000);
  });
  await client.start();
  // Handlers that block 1 s, each starting a little after the ping a quiet socket gets (1 s without a frame).
  for (const afterPingMs of [5, 400, 900]) {
    const pingsBefore = ws.pings();
    await until(() => ws.pings() > pingsBefore, 'the next ping of the quiet socket');
    await delay(afterPingMs);
    sim.inject('message');
    await until(() => blocks === w.handled.size && sim.acks.length === w.handled.size, 'the stalled handler');
  }
  // Stalls that start before the pong can be read: past the deadline (1000 ms, 2500 ms: it fires late), and
  // ending within a few ms after it (1010 ms: the deadline fires on time, before the loop has read the pong).
  for (const ms of [1000, 1010, 1020, 2500]) {
    const pingsBefore = ws.pings();
    ws.stallAfterNextPing(ms);
    await until(() => ws.pings() > pingsBefore, 'the stalled ping');
    await delay(1500); // the pong wait ends, with the loop running
  }
  await delay(2500); // more ping rounds
  expect(blocks).toBe(3);
  expect(ws.pings()).toBeGreaterThanOrEqual(9);
  expect(w.replacementsByLiveness()).toBe(0);
  expect(w.events.filter((e) => e.startsWith('reconnecting:'))).toEqual([]);
  expect(sim.openCalls).toBe(1);
});

test('a burst of 50,000 envelopes does not condemn a healthy socket', async () => {
  h = await harness({ ackTimeoutMs: 60_000, redeliveryDelaysMs: [] });
  const sim = h.sim;
  const ws = countingWs();
  const client = h.client({ WebSocket: ws.Ctor, ackDeadlineWarnMs: 0 });
  const w = watch(client);
  let acks = 0;
  sim.on('ack', () => void acks++);
  await client.start();
  await until(() => ws.pings() > 0, 'a ping of the quiet socket'); // the burst starts while a pong is awaited
  for (let i = 0; i < 50; i++) {
    for (let j = 0; j < 1000; j++) sim.inject('message');
    await new Promise((r) => setImmediate(r));
  }
  await until(() => acks >= 50_000, 'every ack', 60_000);
  await delay(2500); // quiet again: more ping rounds
  expect(w.handled.size).toBe(50_000);
  expect(w.duplicates()).toBe(0);
  expect(w.replacementsByLiveness()).toBe(0);
  expect(w.events.filter((e) => e.startsWith('reconnecting:'))).toEqual([]);
  expect(ws.pings()).toBeGreaterThanOrEqual(2);
  expect(sim.openCalls).toBe(1);
}, 90_000);

describe('reconnect loop', () => {
  test('half-open: client pings, misses the pong, replaces the connection make-before-break', async () => {
    h = await harness({ pingIntervalMs: 0 });
    const { sim } = h;
    const client = h.client({ pingIntervalMs: 50, pongTimeoutMs: 100 });
    client.on('slack_event', ({ ack }) => ack());
    const reasons: string[] = [];
    client.on('reconnecting', (e) => void reasons.push(e.reason));
    const connected: Array<{ connection_id: string; replaced: string | undefined }> = [];
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    const [first] = sim.connections();
    sim.halfOpen();
    await until(() => connected.length === 2, 'replacement');
    expect(reasons).toContain('pong_timeout');
    expect(connected[1]!.replaced).toBe(connected[0]!.connection_id);
    const env = sim.inject('app_mention');
    const rec = await sim.waitForAck(env.envelope_id, 5000);
    expect(rec.connectionId).not.toBe(first!.id);
    expect(client.connectionCount).toBe(1);
  });
});

// Pins a past defect: an event loop blocked past the pong deadline right after a ping made a healthy socket "dead".
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
  const client = h.client({
    WebSocket: Stalling as unknown as SocketModeOptions['WebSocket'],
    pingIntervalMs: 50,
    pongTimeoutMs,
  });
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

// Pins a past defect: with autoReconnectEnabled: false a dead (half-open) socket was reconnected instead of stopping.
test('autoReconnectEnabled: false — a dead (half-open) socket stops the client instead of reconnecting', async () => {
  h = await harness();
  const client = h.client({ autoReconnectEnabled: false, pingIntervalMs: 50, pongTimeoutMs: 150 });
  const disconnected: Array<{ willReconnect: boolean }> = [];
  client.on('disconnected', (e) => void disconnected.push(e));
  client.on('error', () => {});
  await client.start();
  h.sim.halfOpen();
  await until(() => disconnected.some((d) => !d.willReconnect), 'the client to stop');
  await delay(200);
  expect(h.sim.openCalls).toBe(1);
  expect(client.isActive).toBe(false);
});
