import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import {
  AckTooLargeError,
  DisconnectedError,
  HandlerError,
  HttpError,
  InsecureUrlError,
  InvalidTokenError,
  LinkDisabledError,
  MalformedFrameError,
  NetworkError,
  SlackApiError,
  SocketModeClient,
  SocketModeError,
  callApi,
  createConnectionUrlHandler,
  respond,
  type SocketModeOptions,
} from '../src/index.ts';
import { captureLogger, delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

describe('acks', () => {
  test('ack payload round-trips for each envelope type', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const payloads: Record<string, unknown> = {
      slash_command: { text: 'pong', response_type: 'ephemeral' },
      block_actions: { text: 'clicked' },
      view_submission: { response_action: 'errors', errors: { block: 'bad' } },
      block_suggestion: { options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }] },
    };
    client.on('slash_commands', ({ ack }) => ack(payloads.slash_command as Record<string, unknown>));
    client.on('interactive', ({ ack, body }) => ack(payloads[body.type] as Record<string, unknown>));
    client.on('app_mention', ({ ack, event }) => {
      expect(event?.type).toBe('app_mention');
      return ack();
    });
    await client.start();

    for (const kind of ['slash_command', 'block_actions', 'view_submission', 'block_suggestion'] as const) {
      const env = sim.inject(kind);
      const rec = await sim.waitForAck(env.envelope_id, 5000);
      expect(rec.payload, kind).toEqual(payloads[kind]);
      expect(rec.duplicate).toBe(false);
    }
    const ev = sim.inject('app_mention');
    const rec = await sim.waitForAck(ev.envelope_id, 5000);
    expect(rec.payload).toBeUndefined();
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('a string payload becomes {text}', async () => {
    h = await harness();
    const client = h.client();
    client.on('slash_commands', ({ ack }) => ack('hello!'));
    await client.start();
    const env = h.sim.inject('slash_command');
    expect((await h.sim.waitForAck(env.envelope_id, 5000)).payload).toEqual({ text: 'hello!' });
  });

  test('payload on an envelope that does not accept one: warning, ack sent without it', async () => {
    h = await harness();
    const client = h.client();
    client.on('app_mention', ({ ack, accepts_response_payload }) => {
      expect(accepts_response_payload).toBe(false);
      return ack({ text: 'ignored' });
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    const rec = await h.sim.waitForAck(env.envelope_id, 5000);
    expect(rec.payload).toBeUndefined();
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('does not accept a response payload'))).toBe(true);
  });

  test('ack over 20 KB is refused with AckTooLargeError; a smaller retry still works', async () => {
    h = await harness();
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    let rejection: unknown;
    client.on('slash_commands', async ({ ack }) => {
      try {
        await ack({ text: 'x'.repeat(21 * 1024) });
      } catch (e) {
        rejection = e;
      }
      await ack({ text: 'small' });
    });
    await client.start();
    const env = h.sim.inject('slash_command');
    const rec = await h.sim.waitForAck(env.envelope_id, 5000);
    expect(rejection).toBeInstanceOf(AckTooLargeError);
    expect((rejection as AckTooLargeError).code).toBe('ack_too_large');
    expect(errors.some((e) => e instanceof AckTooLargeError)).toBe(true);
    expect(rec.payload).toEqual({ text: 'small' });
    // Only the small one went out.
    const next = h.sim.inject('slash_command');
    await h.sim.waitForAck(next.envelope_id, 5000);
    expect(acksFor(env.envelope_id)).toHaveLength(1);
  });

  test('a second ack of one envelope is a no-op with a warning', async () => {
    h = await harness();
    const client = h.client();
    let second: Promise<void> | undefined;
    client.on('app_mention', async ({ ack }) => {
      await ack();
      second = ack({ text: 'again' });
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await until(() => second !== undefined, 'second ack');
    await expect(second).resolves.toBeUndefined();
    // A later envelope on the same socket is acked after anything the second ack could have sent.
    const later = h.sim.inject('app_mention');
    await h.sim.waitForAck(later.envelope_id, 5000);
    expect(acksFor(env.envelope_id)).toHaveLength(1);
    expect(h.lines.some((l) => l.startsWith('warn') && l.includes('already acked'))).toBe(true);
  });

  test('an envelope not acked before the deadline logs a warning', async () => {
    h = await harness();
    const client = h.client({ ackDeadlineWarnMs: 50 });
    let ackLater: (() => Promise<void>) | undefined;
    client.on('app_mention', ({ ack }) => {
      ackLater = ack;
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await until(() => h!.lines.some((l) => l.startsWith('warn') && l.includes(env.envelope_id) && l.includes('not acked')), 'warning');
    await ackLater!();
    await h.sim.waitForAck(env.envelope_id, 5000);
  });

  test('acks made while no connection is open wait and flush on the next hello', async () => {
    h = await harness();
    const client = h.client();
    let held: (() => Promise<void>) | undefined;
    client.on('app_mention', ({ ack }) => {
      held = ack;
    });
    const disconnected: unknown[] = [];
    // Ack from inside 'disconnected': no connection is open at that moment, whatever the reconnect timing
    // (polling for it raced a reconnect that can finish within one poll interval).
    let countAtAck = -1;
    let p: Promise<void> | undefined;
    client.on('disconnected', (e) => {
      disconnected.push(e);
      if (p) return;
      countAtAck = client.connectionCount;
      p = held!();
    });
    await client.start();
    const env = h.sim.inject('app_mention');
    await until(() => held !== undefined, 'delivery');
    h.sim.drop();
    await until(() => p !== undefined, 'drop noticed');
    expect(countAtAck).toBe(0);
    await p;
    const rec = await h.sim.waitForAck(env.envelope_id, 10_000).catch((e) => {
      console.log('DIAG', JSON.stringify({ lines: h!.lines, acks: h!.sim.acks, conns: h!.sim.connections(), deliveries: h!.sim.deliveries }, null, 1));
      throw e;
    });
    expect(rec.envelope_id).toBe(env.envelope_id);
    expect(client.connectionCount).toBe(1);
  });

  test('unknown envelope types are surfaced with an ack', async () => {
    h = await harness();
    const client = h.client();
    const seen: string[] = [];
    client.on('unknown_envelope', ({ ack, type, envelope_id }) => {
      seen.push(`${type}:${envelope_id}`);
      return ack();
    });
    await client.start();
    h.sim.sendEnvelope({ envelope_id: 'unk-1', type: 'future_thing', accepts_response_payload: false, payload: { a: 1 } });
    await until(() => acksFor('unk-1').length === 1, 'ack of unknown envelope');
    expect(seen).toEqual(['future_thing:unk-1']);
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
    expect(errors.map((e) => (e as MalformedFrameError).reason)).toEqual(['not_json', 'not_object', 'schema', 'decode_failed']);
    expect(delivered).toEqual([env.envelope_id]);
  });

  test('a binary frame carrying a valid envelope is delivered', async () => {
    h = await harness();
    const client = h.client();
    client.on('slash_commands', ({ ack }) => ack());
    await client.start();
    const frame = { envelope_id: 'bin-1', type: 'slash_commands', accepts_response_payload: true, payload: { command: '/x' } };
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

describe('reconnect loop', () => {
  test('refresh with warning: zero gap, events keep flowing, all acked', async () => {
    h = await harness({ refreshWarningLeadMs: 400, refreshCloseDelayMs: 200 });
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const connected: Array<{ connection_id: string; replaced: string | undefined }> = [];
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    sim.resetStats();

    // Inject continuously; count phases instead of timing them.
    let phase = 0; // 0 before refresh, 1 refresh under way, 2 old socket gone
    const perPhase = [0, 0, 0];
    const injected: string[] = [];
    const pump = (async () => {
      while (phase < 2 || perPhase[2]! < 5) {
        injected.push(sim.inject('message').envelope_id);
        perPhase[phase]!++;
        await delay(10);
      }
    })();
    await until(() => perPhase[0]! >= 5, 'traffic before refresh');
    phase = 1;
    sim.refresh({ warning: true });
    await until(() => connected.length === 2, 'replacement connected');
    expect(connected[1]!.replaced).toBe(connected[0]!.connection_id);
    await until(() => sim.connections().filter((c) => c.state !== 'closed').length === 1, 'old socket closed');
    phase = 2;
    await pump;
    await until(() => injected.every((id) => acksFor(id).length > 0), 'all acked').catch((e) => {
      const missing = injected.filter((id) => acksFor(id).length === 0);
      console.log('DIAG', JSON.stringify({ missing, lines: h!.lines.slice(-40), conns: sim.connections(), deliveries: sim.deliveries.filter((d) => missing.includes(d.envelope_id)) }, null, 1));
      throw e;
    });
    expect(perPhase.every((n) => n > 0)).toBe(true);
    expect(sim.noLiveConnectionMs()).toBe(0);
    expect(sim.missedDeadlines()).toEqual([]);
    expect(client.connectionCount).toBe(1);
  });

  test('refresh_requested without warning: replaced, nothing lost', async () => {
    h = await harness({ refreshCloseDelayMs: 300 });
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const reconnecting: Array<{ reason: string; makeBeforeBreak: boolean }> = [];
    client.on('reconnecting', (e) => void reconnecting.push(e));
    await client.start();
    const before = sim.inject('app_mention');
    await sim.waitForAck(before.envelope_id, 5000);
    sim.refresh({ warning: false });
    const during = sim.inject('app_mention');
    await sim.waitForAck(during.envelope_id, 10_000);
    await until(() => sim.connections().filter((c) => c.state === 'live').length === 1 && sim.connections().filter((c) => c.state !== 'closed').length === 1, 'one live socket');
    expect(reconnecting[0]).toMatchObject({ reason: 'refresh_requested', makeBeforeBreak: true });
    const after = sim.inject('app_mention');
    await sim.waitForAck(after.envelope_id, 5000);
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('dropped socket: reconnects with backoff and keeps acking', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const events: string[] = [];
    for (const ev of ['reconnecting', 'disconnected', 'connected'] as const) client.on(ev, () => void events.push(ev));
    const hello = await client.start();
    const first = sim.connections().find((c) => c.state === 'live')!.id;
    expect(hello.connection_id).toBeTruthy();
    sim.drop();
    // Inject once the sim has seen the socket die (the client may already be back: then it goes there).
    await until(() => sim.connections().find((c) => c.id === first)?.state === 'closed', 'sim saw the drop');
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 10_000);
    expect(events).toEqual(['connected', 'reconnecting', 'disconnected', 'connected']);
    expect(sim.openCalls).toBe(2);
  });

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

  test('sockets without ping are rotated make-before-break after rotateAfterMs', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 200 });
    client.on('slack_event', ({ ack }) => ack());
    const connected: Array<{ replaced: string | undefined }> = [];
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    sim.resetStats();
    await until(() => connected.length >= 2, 'rotation');
    expect(connected[1]!.replaced).toBeDefined();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    await client.disconnect(); // stop rotating before reading the gap counter
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('link_disabled stops reconnecting and reports why', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const errors: SocketModeError[] = [];
    client.on('error', (e) => void errors.push(e));
    const disconnected: Array<{ willReconnect: boolean; reason: string }> = [];
    client.on('disconnected', (e) => void disconnected.push(e));
    await client.start();
    const calls = sim.openCalls;
    sim.disableLink();
    await until(() => client.state === 'disconnected', 'stopped');
    expect(errors.some((e) => e instanceof LinkDisabledError && e.code === 'link_disabled')).toBe(true);
    expect(disconnected.at(-1)).toMatchObject({ willReconnect: false, reason: 'link_disabled' });
    await delay(300); // several backoff periods (initialMs 50): nothing may call open again
    expect(sim.openCalls).toBe(calls);
    expect(client.connectionCount).toBe(0);
  });

  test('link_disabled before the first hello rejects start()', async () => {
    h = await harness();
    h.sim.disableLink();
    const client = h.client();
    await expect(client.start()).rejects.toBeInstanceOf(LinkDisabledError);
    await delay(300);
    expect(h.sim.openCalls).toBe(1);
  });

  test('fatal auth error: start() rejects after exactly one open call', async () => {
    h = await harness();
    h.sim.failNextOpen({ error: 'invalid_auth' });
    const client = h.client();
    const err = await client.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).slackError).toBe('invalid_auth');
    await delay(300);
    expect(h.sim.openCalls).toBe(1);
    expect(client.state).toBe('disconnected');
  });

  test('a token the server does not accept is fatal too (one call)', async () => {
    h = await harness();
    const client = h.client({ appToken: 'xapp-1-A111-1-not-the-right-one' });
    await expect(client.start()).rejects.toBeInstanceOf(SlackApiError);
    await delay(200);
    expect(h.sim.openCalls).toBe(1);
  });

  test('429 honours Retry-After', async () => {
    h = await harness();
    const { sim } = h;
    const opens: number[] = [];
    sim.on('open', (r: { at: number }) => void opens.push(r.at));
    sim.failNextOpen({ status: 429, retryAfterSec: 1 });
    const client = h.client();
    await client.start();
    expect(sim.openCalls).toBe(2);
    expect(opens[1]! - opens[0]!).toBeGreaterThanOrEqual(1000);
  });

  test('5xx and transient errors back off and retry', async () => {
    h = await harness();
    h.sim.failNextOpen({ status: 500 }, 2);
    const client = h.client();
    await client.start();
    expect(h.sim.openCalls).toBe(3);
  });

  test('transient Slack error (internal_error) is retried, not fatal', async () => {
    h = await harness();
    h.sim.failNextOpen({ error: 'internal_error' });
    const client = h.client();
    await client.start();
    expect(h.sim.openCalls).toBe(2);
  });

  test('no hello within helloTimeoutMs: close and retry', async () => {
    // A server that accepts the upgrade and never says hello.
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => silent.once('listening', () => r()));
    const port = (silent.address() as { port: number }).port;
    let upgrades = 0;
    silent.on('connection', () => void upgrades++);
    const { logger } = captureLogger();
    const client = new SocketModeClient({
      openConnection: async () => `ws://127.0.0.1:${port}/link`,
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
      helloTimeoutMs: 100,
      backoff: { initialMs: 20, maxMs: 50 },
    });
    const p = client.start();
    await until(() => upgrades >= 3, 'retries');
    await client.disconnect();
    await expect(p).rejects.toBeInstanceOf(DisconnectedError);
    for (const ws of silent.clients) ws.terminate();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  test('too_many_websockets: that socket closes, the client backs off and keeps its live one', async () => {
    h = await harness({ maxConnections: 1 });
    const client = h.client({ connections: 2 });
    client.on('slack_event', ({ ack }) => ack());
    const reasons: string[] = [];
    client.on('reconnecting', (e) => void reasons.push(e.reason));
    await client.start();
    await until(() => reasons.includes('too_many_websockets'), 'refusal');
    expect(client.connectionCount).toBe(1);
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
  });

  test('autoReconnectEnabled: false stops on an unexpected close', async () => {
    h = await harness();
    const client = h.client({ autoReconnectEnabled: false });
    await client.start();
    const calls = h.sim.openCalls;
    h.sim.drop();
    await until(() => client.state === 'disconnected', 'stopped');
    expect(h.sim.openCalls).toBe(calls);
  });
});

describe('pool and dedupe', () => {
  test('pool of 3: three live connections, refresh of all never exceeds n+1 sockets nor leaves a gap', async () => {
    h = await harness({ refreshWarningLeadMs: 1500, refreshCloseDelayMs: 100 });
    const { sim } = h;
    const client = h.client({ connections: 3 });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    await until(() => client.connectionCount === 3 && sim.connections().filter((c) => c.state === 'live').length === 3, 'three live');
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

    const firstIds = new Set(sim.connections().filter((c) => c.state === 'live').map((c) => c.id));
    sim.refresh({ warning: true });
    await until(
      () => {
        const live = sim.connections().filter((c) => c.state === 'live' || c.state === 'refreshing');
        return live.length === 3 && live.every((c) => !firstIds.has(c.id)) && sim.connections().filter((c) => c.state !== 'closed').length === 3;
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

  test('the same envelope twice, and a redelivered event, reach user code once but are acked each time', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client();
    const seen: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      seen.push(envelope_id);
      return ack();
    });
    await client.start();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    // Same envelope again (same envelope_id).
    sim.sendEnvelope({ ...env });
    // A redelivery: new envelope_id, same payload.event_id, retry_attempt 1.
    sim.sendEnvelope({ ...env, envelope_id: 'redelivery-1', retry_attempt: 1, retry_reason: 'timeout' });
    await until(() => acksFor('redelivery-1').length === 1 && acksFor(env.envelope_id).length === 2, 'both duplicates acked');
    expect(seen).toEqual([env.envelope_id]);
  });

  test('dedupe: false delivers duplicates; a custom store is consulted', async () => {
    h = await harness();
    const { sim } = h;
    const keys: string[] = [];
    const client = h.client({
      dedupe: {
        seen: async (k: string) => {
          keys.push(k);
          return false;
        },
      },
    });
    const seen: string[] = [];
    client.on('slack_event', ({ ack, envelope_id }) => {
      seen.push(envelope_id);
      return ack();
    });
    await client.start();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    sim.sendEnvelope({ ...env, envelope_id: 'again-1' });
    await until(() => acksFor('again-1').length === 1, 'ack');
    expect(seen).toEqual([env.envelope_id, 'again-1']);
    // One key per envelope: the event_id for events (stable across redeliveries), the envelope_id otherwise.
    const eventKey = `event:${(env.payload as { event_id: string }).event_id}`;
    expect(keys).toEqual([eventKey, eventKey]);
    const cmd = sim.inject('slash_command');
    await sim.waitForAck(cmd.envelope_id, 5000);
    expect(keys).toEqual([eventKey, eventKey, `envelope:${cmd.envelope_id}`]);
  });
});

describe('tokens and security', () => {
  test('non-xapp tokens are refused before any network call, without echoing the token', async () => {
    h = await harness();
    for (const t of [h.sim.botToken, 'xoxp-1-2-3-secretsecret', 'nonsense-token-value']) {
      let err: unknown;
      try {
        new SocketModeClient({ appToken: t, apiUrl: h.sim.apiUrl });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidTokenError);
      expect(String(err) + (err as Error).stack).not.toContain(t);
    }
    expect(() => new SocketModeClient({})).toThrow(InvalidTokenError);
    // An env var that is set but empty is the usual way to get here: the message says so.
    expect(() => new SocketModeClient({ appToken: '' })).toThrow(/empty/);
    expect(h.sim.openCalls).toBe(0);
  });

  test('createConnectionUrlHandler refuses a missing or non-xapp token when it is created, not per request', () => {
    for (const t of [undefined, '', 'xoxb-1-2-secretsecret']) {
      let err: unknown;
      try {
        createConnectionUrlHandler({ appToken: t });
      } catch (e) {
        err = e;
      }
      expect(err, String(t)).toBeInstanceOf(InvalidTokenError);
      expect(String(err) + (err as Error).stack).not.toContain('secretsecret');
    }
    expect(() => createConnectionUrlHandler({ appToken: 'xoxb-1' })).toThrow(/xoxb-/);
    expect(typeof createConnectionUrlHandler({ appToken: 'xapp-1-A-1-x' })).toBe('function');
  });

  test('a wrong apiUrl: errors and the retry warning name the URL tried and what went wrong', async () => {
    h = await harness();
    const { sim } = h;
    // The simulator's root instead of its /api/ base.
    const notFound = await callApi('auth.test', {}, { token: sim.botToken, apiUrl: sim.url }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(HttpError);
    expect((notFound as HttpError).status).toBe(404);
    expect((notFound as Error).message).toContain(`${sim.url}/auth.test`);
    expect((notFound as Error).message).toContain('apiUrl');
    // Nothing listening: a port that was free a moment ago.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const refused = await callApi('auth.test', {}, { apiUrl: `http://127.0.0.1:${port}/api/` }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as Error).message).toContain(`http://127.0.0.1:${port}/api/auth.test`);
    expect((refused as Error).message).toContain('ECONNREFUSED');
    // What a newcomer sees while start() keeps retrying: the log says where it asked.
    const client = h.client({ apiUrl: sim.url });
    const started = client.start().catch((e: unknown) => e);
    await until(() => h!.lines.some((l) => l.includes(`${sim.url}/apps.connections.open`)), 'a warning naming the URL');
    await client.disconnect();
    expect(await started).toBeInstanceOf(DisconnectedError);
  });

  test('token never appears in logs, errors, thrown messages or event data', async () => {
    h = await harness();
    const { sim } = h;
    const token = sim.appToken;
    const everything: unknown[] = [];
    const client = h.client({ logLevel: 'debug' });
    for (const ev of ['connecting', 'authenticated', 'connected', 'reconnecting', 'disconnecting', 'disconnected', 'error', 'slack_event'] as const) {
      client.on(ev, (e: unknown) => void everything.push(e));
    }
    client.on('app_mention', ({ ack }) => {
      void ack();
      throw new Error(`handler leaked ${token} and ${sim.botToken}`);
    });
    await client.start();
    sim.sendRaw(`{"bad": "${token}"`);
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    await until(() => everything.filter((e) => e instanceof SocketModeError).length >= 2, 'errors');
    sim.drop();
    await until(() => client.connectionCount === 1 && sim.openCalls === 2, 'reconnected');
    await client.disconnect();

    // A fatal open error, and callApi errors.
    const bad = h.client({ appToken: 'xapp-1-A111-1-wrongwrongwrong' });
    bad.on('error', (e) => void everything.push(e));
    const startErr = await bad.start().catch((e: unknown) => e);
    everything.push(startErr);
    const apiErr = await callApi('auth.test', {}, { token: 'xoxb-9-wrong-token-xyz', apiUrl: sim.apiUrl }).catch((e: unknown) => e);
    everything.push(apiErr);

    const dump = (x: unknown): string =>
      x instanceof Error ? `${x.message} ${x.stack} ${JSON.stringify(x)} ${String((x as { raw?: unknown }).raw)}` : JSON.stringify(x, (_k, v) => (typeof v === 'function' ? 'fn' : v));
    const text = everything.map(dump).join('\n') + h.lines.join('\n');
    expect(text.length).toBeGreaterThan(100);
    for (const t of [token, sim.botToken, 'xapp-1-A111-1-wrongwrongwrong', 'xoxb-9-wrong-token-xyz']) expect(text).not.toContain(t);
    expect(text).toContain('[REDACTED]');
  });

  test('non-wss URLs are refused unless loopback', async () => {
    const { logger } = captureLogger();
    const client = new SocketModeClient({
      openConnection: async () => 'ws://example.com/link/?ticket=abc',
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
    });
    const err = await client.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsecureUrlError);
    expect(() => new SocketModeClient({ appToken: 'xapp-1-x', apiUrl: 'http://example.com/api/' })).toThrow(InsecureUrlError);
    await expect(respond('http://example.com/hook', 'x')).rejects.toBeInstanceOf(InsecureUrlError);
  });
});

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
      fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), connection: 'close' } })) as typeof fetch;
    // Exercise every timer kind: ping, pong deadline, ack deadline, hello/close timeouts.
    const client = h.client({ fetch: noKeepAlive, pingIntervalMs: 20, pongTimeoutMs: 5000, ackDeadlineWarnMs: 60_000, connections: 2 });
    client.on('slack_event', () => {}); // never acks: deadline timers stay armed
    await client.start();
    await until(() => client.connectionCount === 2, 'pool');
    sim.inject('app_mention');
    sim.inject('slash_command');
    await until(() => sim.deliveries.length === 2 && sim.missedDeadlines().length === 2, 'deliveries, sim deadlines spent');
    await delay(60);
    await client.disconnect();
    await delay(50); // let the loop retire closed handles
    const after = count(process.getActiveResourcesInfo());
    for (const [k, n] of Object.entries(after)) expect(n, `${k}: ${JSON.stringify({ before, after })}`).toBeLessThanOrEqual(before[k] ?? 0);
    expect(sim.connections().filter((c) => c.state !== 'closed')).toEqual([]);
  });
});

describe('web api helpers', () => {
  test('callApi (form and JSON) and respond() against the simulator', async () => {
    h = await harness();
    const { sim } = h;
    const r1 = await callApi('chat.postMessage', { channel: 'C111', text: 'form' }, { token: sim.botToken, apiUrl: sim.apiUrl });
    expect(r1.ok).toBe(true);
    const r2 = await callApi('chat.postMessage', { channel: 'C111', text: 'json', blocks: [] }, { token: sim.botToken, apiUrl: sim.apiUrl, asJson: true });
    expect(r2.ok).toBe(true);
    await until(() => sim.posted.filter((p) => p.kind === 'chat.postMessage').length === 2, 'posted');
    const env = sim.inject('slash_command');
    await respond((env.payload as { response_url: string }).response_url, { text: 'done', response_type: 'ephemeral' });
    await until(() => sim.posted.some((p) => p.kind === 'response_url'), 'response_url post');
    expect(sim.posted.find((p) => p.kind === 'response_url')!.body).toMatchObject({ text: 'done' });
    const err = await callApi('chat.postMessage', {}, { token: 'xoxb-0-bad', apiUrl: sim.apiUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
  });
});

describe('node platform entry', () => {
  test('registers isomorphic-ws (ws) as the default, over a global WebSocket too', async () => {
    const node = await import('../src/platform/node.ts');
    h = await harness();
    const { logger } = captureLogger();
    const client = new node.SocketModeClient({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl, logger });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await client.disconnect();
    expect(node.resolveWebSocket()).toBe((await import('ws')).default);
    // A Node 22+-style global does not displace it; an explicit option always wins.
    const g = globalThis as { WebSocket?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, 'WebSocket');
    class GlobalWebSocket {}
    g.WebSocket = GlobalWebSocket;
    try {
      expect(node.resolveWebSocket()).toBe((await import('ws')).default);
      expect(node.resolveWebSocket(GlobalWebSocket as never)).toBe(GlobalWebSocket);
    } finally {
      if (had) Object.defineProperty(g, 'WebSocket', had);
      else delete g.WebSocket;
    }
  });
});
