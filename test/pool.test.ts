// The connection pool: n live connections refreshed without a gap, replacements serialized so a pool never holds
// more than n+1 sockets (nor Slack's 10), proactive staggered refresh from approximate_connection_time, ghost
// connections, too_many_websockets reporting, rotation of sockets that cannot ping. Real sockets throughout.
// The handler-concurrency bound is in test/handler-bound.test.ts.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import {
  SocketModeError,
  callApi,
  type GhostConnectionsEvent,
  type SocketModeOptions,
  type TooManyWebSocketsEvent,
} from '../src/index.ts';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
const extra: WebSocket[] = [];
afterEach(async () => {
  for (const ws of extra.splice(0)) ws.terminate();
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

/** A real `ws` socket class that tracks how many of its sockets are open at once (not a mock). */
function trackingWebSocket(): { WS: SocketModeOptions['WebSocket']; open: () => number; max: () => number } {
  let open = 0;
  let max = 0;
  class Tracking extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      open++;
      max = Math.max(max, open);
      this.once('close', () => void open--);
    }
  }
  return { WS: Tracking as unknown as SocketModeOptions['WebSocket'], open: () => open, max: () => max };
}

const liveIds = (h: Harness): string[] =>
  h.sim
    .connections()
    .filter((c) => c.state === 'live')
    .map((c) => c.id);

describe('replacements are serialized: never more than n+1 sockets', () => {
  for (const warning of [true, false]) {
    test(`every slot of a pool of 3 refreshed at once (${warning ? 'warning first' : 'refresh_requested only'})`, async () => {
      h = await harness({ refreshWarningLeadMs: 300, refreshCloseDelayMs: 300 });
      const { sim } = h;
      const t = trackingWebSocket();
      const client = h.client({ connections: 3, WebSocket: t.WS });
      client.on('slack_event', ({ ack }) => ack());
      await client.start();
      await until(() => client.connectionCount === 3, 'pool');
      const first = new Set(liveIds(h));
      let simMax = 0;
      const off = sim.on('connection', () => {
        simMax = Math.max(simMax, sim.connections().filter((c) => c.state !== 'closed').length);
      });
      sim.resetStats();
      sim.refresh({ warning });
      const ids: string[] = [];
      // Envelopes keep flowing through the swaps.
      for (let i = 0; i < 20; i++) {
        ids.push(sim.inject(i % 2 ? 'slash_command' : 'message').envelope_id);
        await delay(25);
      }
      await until(
        () => {
          const live = liveIds(h!);
          return (
            live.length === 3 && live.every((id) => !first.has(id)) && client.connectionCount === 3 && t.open() === 3
          );
        },
        'all three replaced',
        15_000,
      );
      off();
      for (const id of ids) await sim.waitForAck(id, 5000);
      expect(t.max()).toBe(4); // one extra socket at a time
      expect(simMax).toBeLessThanOrEqual(4);
      expect(sim.missedDeadlines()).toEqual([]);
      if (warning) expect(sim.noLiveConnectionMs()).toBe(0);
    });
  }

  test('connections: 10 never asks for an 11th socket (Slack refuses it): a swap waits for the old one', async () => {
    h = await harness({ refreshWarningLeadMs: 100, refreshCloseDelayMs: 50 });
    const { sim } = h;
    const t = trackingWebSocket();
    const client = h.client({ connections: 10, WebSocket: t.WS });
    const refused: unknown[] = [];
    client.on('too_many_websockets', (e) => void refused.push(e));
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    await until(() => client.connectionCount === 10, 'ten live');
    const first = new Set(liveIds(h));
    sim.refresh({ warning: true, connectionId: [...first][0] });
    sim.refresh({ warning: false, connectionId: [...first][1] });
    await until(
      () => liveIds(h!).length === 10 && liveIds(h!).filter((id) => first.has(id)).length === 8,
      'two replaced',
      15_000,
    );
    const env = sim.inject('message');
    await sim.waitForAck(env.envelope_id, 5000);
    expect(t.max()).toBe(10);
    expect(refused).toEqual([]);
  });
});

describe('proactive refresh from approximate_connection_time', () => {
  test('each slot is replaced before Slack would refresh it, staggered, with no gap', async () => {
    // The simulator refreshes a connection itself approximateConnectionTimeSec after its hello.
    h = await harness({
      approximateConnectionTimeSec: 2,
      autoRefresh: true,
      refreshWarningLeadMs: 200,
      refreshCloseDelayMs: 100,
    });
    const { sim } = h;
    const client = h.client({ connections: 3 });
    const reasons: string[] = [];
    client.on('reconnecting', (e) => void reasons.push(e.reason));
    client.on('slack_event', ({ ack }) => ack());
    const simRefreshes: unknown[] = [];
    sim.on('fault', (f) => {
      if (f.fault === 'refresh') simRefreshes.push(f);
    });
    await client.start();
    await until(() => client.connectionCount === 3, 'pool');
    const first = new Set(liveIds(h));
    sim.resetStats();
    const ids: string[] = [];
    while (reasons.filter((r) => r === 'connection_time').length < 3) {
      ids.push(sim.inject('slash_command').envelope_id);
      await delay(30);
      if (ids.length > 300) throw new Error('no proactive refresh within ~9 s');
    }
    await until(
      () => liveIds(h!).filter((id) => first.has(id)).length === 0 && client.connectionCount === 3,
      'all rotated',
      10_000,
    );
    for (const id of ids) await sim.waitForAck(id, 5000);
    // Before the simulator's own refresh, every time; and staggered across slots (85 %, 87 %, 88 % of 2 s).
    expect(simRefreshes).toEqual([]);
    const pcts = h.lines.filter((l) => l.includes('through its expected life')).map((l) => /is (\d+) %/.exec(l)![1]);
    expect(new Set(pcts.slice(0, 3))).toEqual(new Set(['85', '87', '88']));
    expect(sim.noLiveConnectionMs()).toBe(0);
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('proactiveRefresh: false leaves it to Slack (the warning path), still without a gap', async () => {
    h = await harness({
      approximateConnectionTimeSec: 1.2,
      autoRefresh: true,
      refreshWarningLeadMs: 200,
      refreshCloseDelayMs: 100,
    });
    const { sim } = h;
    const client = h.client({ connections: 2, proactiveRefresh: false });
    const reasons: string[] = [];
    client.on('reconnecting', (e) => void reasons.push(e.reason));
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    await until(() => client.connectionCount === 2, 'pool');
    sim.resetStats();
    await until(() => reasons.filter((r) => r === 'warning').length >= 2, 'slack refreshes', 10_000);
    await until(() => client.connectionCount === 2, 'pool back');
    expect(reasons).not.toContain('connection_time');
    expect(sim.noLiveConnectionMs()).toBe(0);
  });

  test('proactiveRefresh is validated', async () => {
    h = await harness();
    for (const bad of [0, 1, 1.5, -0.1, Number.NaN])
      expect(() => h!.client({ proactiveRefresh: bad })).toThrow(SocketModeError);
  });
});

describe('ghosts and refusals', () => {
  test("Slack's num_connections above what the client holds: 'ghost_connections' event, warning, field on connected", async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ connections: 2 });
    const ghosts: GhostConnectionsEvent[] = [];
    const connected: Array<{ held: number; ghosts: number; num_connections: number | undefined }> = [];
    client.on('ghost_connections', (e) => void ghosts.push(e));
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    await until(() => client.connectionCount === 2, 'pool');
    expect(ghosts).toEqual([]);
    expect(connected.every((c) => c.ghosts === 0)).toBe(true);
    const mine = liveIds(h);
    // Another process on the same app (or a stale socket Slack still counts).
    const { url } = (await callApi(
      'apps.connections.open',
      {},
      { token: sim.appToken, apiUrl: sim.apiUrl },
    )) as unknown as { url: string };
    const other = new WebSocket(url);
    extra.push(other);
    await new Promise((r) => other.once('message', r));
    sim.refresh({ warning: false, connectionId: mine[0]! });
    await until(() => ghosts.length > 0, 'ghost event');
    expect(ghosts[0]).toMatchObject({ ghosts: 1 });
    expect(ghosts[0]!.num_connections).toBe(ghosts[0]!.held + 1);
    expect(connected.at(-1)).toMatchObject({ ghosts: 1 });
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('ghost'))).toBe(true);
  });

  test("too_many_websockets: 'too_many_websockets' event, a warning, and every open waits out the floor", async () => {
    h = await harness({ maxConnections: 2 });
    const { sim } = h;
    const client = h.client({ connections: 3, backoff: { initialMs: 10, maxMs: 50, tooManyWebSocketsMs: 400 } });
    const refused: Array<TooManyWebSocketsEvent & { at: number }> = [];
    client.on('too_many_websockets', (e) => void refused.push({ ...e, at: Date.now() }));
    const opens: number[] = [];
    sim.on('open', () => void opens.push(Date.now()));
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    await until(() => refused.length >= 2, 'two refusals', 10_000);
    expect(refused[0]).toMatchObject({ num_connections: 2, delayMs: 400 });
    expect(refused[0]!.held).toBeGreaterThanOrEqual(2);
    // No apps.connections.open call between a refusal and the end of its floor.
    const r0 = refused[0]!.at;
    expect(opens.filter((t) => t > r0 + 5 && t < r0 + 350)).toEqual([]);
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('too_many_websockets'))).toBe(true);
    expect(client.connectionCount).toBe(2);
    const env = sim.inject('message');
    await sim.waitForAck(env.envelope_id, 5000);
  });
});

describe('pool', () => {
  test('pool of 3: three live connections, refresh of all never exceeds n+1 sockets nor leaves a gap', async () => {
    h = await harness({ refreshWarningLeadMs: 1500, refreshCloseDelayMs: 100 });
    const { sim } = h;
    const client = h.client({ connections: 3 });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    await until(
      () => client.connectionCount === 3 && sim.connections().filter((c) => c.state === 'live').length === 3,
      'three live',
    );
    let maxOpen = 0;
    const track = () => {
      maxOpen = Math.max(maxOpen, sim.connections().filter((c) => c.state !== 'closed').length);
    };
    const off = sim.on('connection', track);
    sim.resetStats();
    const ids = Array.from({ length: 30 }, () => sim.inject('message').envelope_id);
    await until(() => ids.every((id) => acksFor(id).length === 1), 'acks before refresh');
    // Acks arrive on the connection each envelope came on.
    for (const d of sim.deliveries) expect(acksFor(d.envelope_id)[0]!.connectionId).toBe(d.connectionId);
    expect(new Set(sim.deliveries.map((d) => d.connectionId)).size).toBeGreaterThan(1);

    const firstIds = new Set(
      sim
        .connections()
        .filter((c) => c.state === 'live')
        .map((c) => c.id),
    );
    sim.refresh({ warning: true });
    await until(
      () => {
        const live = sim.connections().filter((c) => c.state === 'live' || c.state === 'refreshing');
        return (
          live.length === 3 &&
          live.every((c) => !firstIds.has(c.id)) &&
          sim.connections().filter((c) => c.state !== 'closed').length === 3
        );
      },
      'all three replaced',
      15_000,
    );
    off();
    expect(maxOpen).toBeLessThanOrEqual(4);
    expect(sim.noLiveConnectionMs()).toBe(0);
    // The simulator marks a socket live when it sends hello; the client counts it once that hello has arrived.
    await until(() => client.connectionCount === 3, 'the client counts three live connections');
    expect(sim.missedDeadlines()).toEqual([]);
  });
});

// Pins a past defect: a half-open socket in a pool of 10 that cannot ping was never found by rotation.
test('connections: 10 on sockets that cannot ping: a half-open one is still found by rotation and replaced', async () => {
  // A silently dead socket (NAT): Slack's side stops delivering to it, ours never hears a close. The simulator keeps
  // the ghost open forever; maxConnections above 10 stands in for Slack forgetting it once its own pings fail.
  h = await harness({ maxConnections: 20, pingIntervalMs: 0 });
  // pingIntervalMs: 0 = a socket that cannot ping (the core client, Deno, browsers, workerd): rotation is its liveness.
  const client = h.client({
    connections: 10,
    pingIntervalMs: 0,
    proactiveRefresh: false,
    rotateAfterMs: 300,
    closeTimeoutMs: 100,
  });
  client.on('error', () => {});
  await client.start();
  const live = (): number => h!.sim.connections().filter((c) => c.state === 'live').length;
  await until(() => live() === 10, 'ten live connections');
  const [victim] = h.sim.connections().filter((c) => c.state === 'live');
  h.sim.halfOpen({ connectionId: victim!.id });
  // The client holds at most 10 sockets: ten live at Slack means it let the dead one go. Before, every rotation
  // waited for a place in the budget that never came, and the dead socket was held for good.
  await until(() => live() === 10, 'the half-open socket to be replaced', 10_000);
  expect(client.connectionIds.length).toBeLessThanOrEqual(10);
});

// Pins a past defect: rotations in a pool of 10 that cannot ping opened more than one extra socket at a time.
test('connections: 10 on sockets that cannot ping: rotations break before make one slot at a time', async () => {
  h = await harness({ pingIntervalMs: 0 });
  const { sim } = h;
  const client = h.client({
    connections: 10,
    pingIntervalMs: 0,
    proactiveRefresh: false,
    rotateAfterMs: 200,
    closeTimeoutMs: 100,
  });
  client.on('error', () => {});
  let rotations = 0;
  client.on('reconnecting', (e) => {
    if (e.reason === 'rotate') rotations++;
  });
  await client.start();
  const live = (): number => sim.connections().filter((c) => c.state === 'live').length;
  await until(() => live() === 10, 'ten live connections');
  // Every change Slack sees, from here: the pool never drops below nine live sockets.
  let fewest = 10;
  const off = sim.on('connection', () => void (fewest = Math.min(fewest, live())));
  await until(() => rotations >= 30, 'three rounds of rotation', 20_000);
  off();
  expect(fewest).toBe(9);
});
