// Lifecycle: start(), disconnect() (also from inside the client's own events), the events and getters that
// report state, option handling, and errors from frames and handlers. Real simulator, real loopback sockets.
import { afterEach, describe, expect, test } from 'vitest';
import {
  DisconnectedError,
  HandlerError,
  MalformedFrameError,
  SlackApiError,
  SocketModeClient,
  SocketModeError,
  type DisconnectedEvent,
} from '../src/index.ts';
import { captureLogger, delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

describe('lifecycle', () => {
  test('connected carries hello data; getters reflect state', async () => {
    h = await harness();
    const client = h.client();
    const got: unknown[] = [];
    client.on('connected', (e) => void got.push(e));
    expect(client.state).toBe('idle');
    const hello = await client.start();
    expect(hello).toMatchObject({ num_connections: 1, connection_info: { app_id: 'A111' } });
    expect(hello.debug_info?.approximate_connection_time).toBe(18060);
    expect(got[0]).toMatchObject({ num_connections: 1, replaced: undefined });
    expect(client.isActive).toBe(true);
    expect(client.connectionCount).toBe(1);
    await client.disconnect();
    expect(client.isActive).toBe(false);
    expect(client.state).toBe('disconnected');
  });

  test('disconnect() before hello rejects start() without an unhandled rejection', async () => {
    h = await harness();
    const client = h.client();
    const p = client.start();
    await client.disconnect();
    await expect(p).rejects.toBeInstanceOf(DisconnectedError);
    // Fire-and-forget start + disconnect: nothing may surface as unhandled (vitest fails the run if it does).
    const c2 = h.client();
    void c2.start();
    await c2.disconnect();
  });

  test('once() and off() work through the wrappers', async () => {
    h = await harness();
    const client = h.client();
    let onceCalls = 0;
    let offCalls = 0;
    const offHandler = () => {
      offCalls++;
    };
    client.once('slack_event', () => {
      onceCalls++;
    });
    client.on('slack_event', offHandler);
    client.off('slack_event', offHandler);
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    for (let i = 0; i < 2; i++) {
      const env = h.sim.inject('app_mention');
      await h.sim.waitForAck(env.envelope_id, 5000);
    }
    expect(onceCalls).toBe(1);
    expect(offCalls).toBe(0);
  });

  test("@slack/socket-mode's own options are not silently ignored: each gets a warning naming what to use", () => {
    const { lines, logger } = captureLogger();
    new SocketModeClient({
      appToken: 'xapp-1-A1-1-abc',
      logger,
      ...({ clientOptions: { slackApiUrl: 'http://127.0.0.1:1/api/' }, clientPingTimeout: 5000 } as object),
    });
    const warned = lines.filter((l) => l.includes("is @slack/socket-mode's and is ignored here"));
    expect(warned).toHaveLength(2);
    expect(warned.join('\n')).toContain('clientOptions');
    expect(warned.join('\n')).toContain('use pongTimeoutMs');
    const quiet = captureLogger();
    new SocketModeClient({ appToken: 'xapp-1-A1-1-abc', logger: quiet.logger });
    expect(quiet.lines.filter((l) => l.includes("@slack/socket-mode's"))).toEqual([]);
  });

  test('disconnect() leaves no timer or socket behind', async () => {
    // The sim's own ack-deadline timers must be spent before measuring: short deadline, no redelivery.
    h = await harness({ ackTimeoutMs: 30, redeliveryDelaysMs: [] });
    const { sim } = h;
    const count = (list: string[]) => list.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
    await delay(50);
    const before = count(process.getActiveResourcesInfo());
    // Node's fetch keeps idle HTTP sockets (both ends live in this process, with the sim) in its own pool;
    // that pool is the runtime's, not the client's, so these open calls ask for `Connection: close`.
    const noKeepAlive = ((url: string, init?: RequestInit) =>
      fetch(url, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), connection: 'close' },
      })) as typeof fetch;
    // Exercise every timer kind: ping, pong deadline, ack deadline, hello/close timeouts.
    const client = h.client({
      fetch: noKeepAlive,
      pingIntervalMs: 20,
      pongTimeoutMs: 5000,
      ackDeadlineWarnMs: 60_000,
      connections: 2,
    });
    client.on('slack_event', () => {}); // never acks: deadline timers stay armed
    await client.start();
    await until(() => client.connectionCount === 2, 'pool');
    sim.inject('app_mention');
    sim.inject('slash_command');
    await until(
      () => sim.deliveries.length === 2 && sim.missedDeadlines().length === 2,
      'deliveries, sim deadlines spent',
    );
    await delay(60);
    await client.disconnect();
    await delay(50); // let the loop retire closed handles
    const after = count(process.getActiveResourcesInfo());
    for (const [k, n] of Object.entries(after))
      expect(n, `${k}: ${JSON.stringify({ before, after })}`).toBeLessThanOrEqual(before[k] ?? 0);
    expect(sim.connections().filter((c) => c.state !== 'closed')).toEqual([]);
  });
});

describe('malformed frames and handler errors', () => {
  test('malformed frames reach `error` typed; the next valid envelope is acked', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    const delivered: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      delivered.push(envelope_id);
      return ack();
    });
    await client.start();
    h.sim.sendRaw('{this is not json');
    h.sim.sendRaw('[1,2,3]');
    h.sim.sendRaw(JSON.stringify({ envelope_id: 'bad-1', type: 'events_api' })); // no payload
    h.sim.sendRaw(new Uint8Array([0xff, 0xfe, 0x00]), { binary: true });
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await until(() => errors.length >= 4, 'four errors');
    expect(errors.every((e) => e instanceof MalformedFrameError)).toBe(true);
    expect(errors.map((e) => (e as MalformedFrameError).reason)).toEqual([
      'not_json',
      'not_object',
      'schema',
      'decode_failed',
    ]);
    expect(delivered).toEqual([env.envelope_id]);
  });

  test('a binary frame carrying a valid envelope is delivered', async () => {
    h = await harness();
    const client = h.client();
    client.on('slash_commands', ({ ack }) => ack());
    await client.start();
    const frame = {
      envelope_id: 'bin-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/x' },
    };
    h.sim.sendRaw(new TextEncoder().encode(JSON.stringify(frame)), { binary: true });
    await until(() => acksFor('bin-1').length === 1, 'ack of binary envelope');
  });

  test('sync throw and async rejection reach `error`; other handlers run; next envelope still acked', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    let calls = 0;
    client.on('app_mention', () => {
      calls++;
      throw new Error('sync boom');
    });
    client.on('app_mention', async () => {
      calls++;
      await delay(1);
      throw new Error('async boom');
    });
    client.on('app_mention', ({ ack }) => {
      calls++;
      return ack();
    });
    await client.start();
    const a = h.sim.inject('app_mention');
    await h.sim.waitForAck(a.envelope_id, 5000);
    await until(() => errors.length >= 2, 'two handler errors');
    expect(errors.every((e) => e instanceof HandlerError && e.envelopeId === a.envelope_id)).toBe(true);
    expect(errors.map((e) => e.message).join('|')).toMatch(/sync boom.*\|.*async boom/);
    const b = h.sim.inject('app_mention');
    await h.sim.waitForAck(b.envelope_id, 5000);
    expect(calls).toBe(6);
  });

  test('a throwing error handler does not recurse or crash', async () => {
    h = await harness();
    const client = h.client();
    client.on('error', () => {
      throw new Error('error handler broke');
    });
    client.on('app_mention', () => {
      throw new Error('first');
    });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    const a = h.sim.inject('app_mention');
    await h.sim.waitForAck(a.envelope_id, 5000);
    await until(() => h!.lines.some((l) => l.includes("'error' handler failed")), 'logged');
  });
});

// Pins a past defect: disconnect() from an 'authenticated' handler still opened the socket it named.
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

// Pins a past defect: disconnect() from a 'connected' handler left start() without that hello.
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

// Pins a past defect: disconnect() from an 'error' handler made start() reject with a bare DisconnectedError.
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

// Pins a past defect: disconnect() from a `disconnecting` handler recursed and resolved more than once.
test('disconnect() called from a `disconnecting` handler resolves once, without recursion', async () => {
  h = await harness();
  const client = h.client();
  let disconnecting = 0;
  client.on('disconnecting', () => {
    disconnecting++;
    void client.disconnect();
  });
  await client.start();
  await client.disconnect();
  expect(disconnecting).toBe(1);
  expect(client.isActive).toBe(false);
});

// Pins a past defect: timer options beyond setTimeout range fired at once.
test('timer options beyond setTimeout range are clamped, not fired at once', async () => {
  h = await harness();
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 1e12 });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  await delay(300);
  expect(connected).toHaveLength(1);
  expect(h.sim.openCalls).toBe(1);
});

// Pins a past defect: a URL request left over from the previous run opened a socket after start() again.
test('start() after disconnect(): a URL request left over from the previous run opens no socket', async () => {
  h = await harness();
  const sim = h.sim;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const openUrl = async (): Promise<string> => {
    const res = await fetch(`${sim.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.appToken}` },
    });
    return ((await res.json()) as { url: string }).url;
  };
  const client = h.client({
    closeTimeoutMs: 100,
    openConnection: async () => {
      calls++;
      if (calls === 1) {
        const url = await openUrl();
        await gate; // a slow backend: answers after the client was stopped and started again
        return url;
      }
      return openUrl();
    },
  });
  client.on('error', () => {});
  const authenticated: string[] = [];
  client.on('authenticated', (e) => void authenticated.push(e.connection_id));
  void client.start().catch(() => undefined);
  await until(() => calls === 1, 'the first URL request');
  await client.disconnect();
  await client.start();
  expect(client.connectionCount).toBe(1);
  release();
  await delay(300);
  expect(authenticated).toHaveLength(1);
  expect(sim.connections()).toHaveLength(1);
  expect(client.connectionIds).toHaveLength(1);
});
