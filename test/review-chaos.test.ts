// Review (chaos exploration of the lifecycle): disconnect() called from inside the client's own events, over the
// real simulator and real loopback sockets.
import { afterEach, expect, test } from 'vitest';
import { SlackApiError, type DisconnectedEvent } from '../src/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

test("disconnect() from an 'authenticated' handler: the connection it names never opens a socket", async () => {
  h = await harness();
  const { sim } = h;
  const client = h.client();
  client.on('error', () => {});
  let stopped: Promise<void> | undefined;
  client.once('authenticated', () => void (stopped = client.disconnect()));
  const started = client.start().then(
    () => 'resolved',
    () => 'rejected',
  );
  await until(() => stopped !== undefined, 'the authenticated event');
  await stopped;
  expect(await started).toBe('rejected');
  expect(client.state).toBe('disconnected');
  expect(client.connectionIds).toEqual([]);
  // Before: the socket was opened after disconnect() had closed its connection, went live at Slack (which routes
  // envelopes to it) and was only torn down by the close timeout.
  expect(sim.connections()).toEqual([]);
});

test("disconnect() from a 'connected' handler: start() still resolves with that hello", async () => {
  h = await harness();
  const client = h.client();
  client.on('error', () => {});
  let stopped: Promise<void> | undefined;
  client.once('connected', () => void (stopped = client.disconnect()));
  const hello = await client.start();
  expect(hello.connection_id).toMatch(/^c\d+$/);
  await stopped;
  expect(client.state).toBe('disconnected');
});

test("disconnect() from an 'error' handler on a fatal error: start() rejects with that error, not a bare DisconnectedError", async () => {
  h = await harness();
  h.sim.failNextOpen({ error: 'invalid_auth' });
  const client = h.client();
  const disconnected: DisconnectedEvent[] = [];
  client.on('disconnected', (e) => void disconnected.push(e));
  client.on('error', () => void client.disconnect());
  const err = await client.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SlackApiError);
  expect((err as SlackApiError).slackError).toBe('invalid_auth');
  await until(() => disconnected.length === 1, 'disconnected');
  expect(disconnected[0]!.willReconnect).toBe(false);
  expect(disconnected[0]!.error).toBe(err);
});

test('connections: 10 on sockets that cannot ping: a half-open one is still found by rotation and replaced', async () => {
  // A silently dead socket (NAT): Slack's side stops delivering to it, ours never hears a close. The simulator keeps
  // the ghost open forever; maxConnections above 10 stands in for Slack forgetting it once its own pings fail.
  h = await harness({ maxConnections: 20, pingIntervalMs: 0 });
  // pingIntervalMs: 0 = a socket that cannot ping (the core client, Deno, browsers, workerd): rotation is its liveness.
  const client = h.client({ connections: 10, pingIntervalMs: 0, proactiveRefresh: false, rotateAfterMs: 300, closeTimeoutMs: 100 });
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

test('connections: 10 on sockets that cannot ping: rotations break before make one slot at a time', async () => {
  h = await harness({ pingIntervalMs: 0 });
  const { sim } = h;
  const client = h.client({ connections: 10, pingIntervalMs: 0, proactiveRefresh: false, rotateAfterMs: 200, closeTimeoutMs: 100 });
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
