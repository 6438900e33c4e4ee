// The forwarder (socket-mode-anywhere/forward) against the simulator over real sockets: an unchanged Bolt App on
// its default HTTP receiver, and a Hono app that verifies Slack's signature itself (on loopback HTTP, and as a
// fetch handler with no HTTP at all). What the simulator records (acks, their payloads, redeliveries) is asserted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { App as App4 } from 'slack-bolt-4';
import { Hono } from 'hono';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { SocketModeClient } from '../src/platform/node.ts';
import { createForwarder, type Delivery, type ForwarderOptions } from '../src/forward/index.ts';
import { InvalidOptionsError } from '../src/core/errors.ts';
import { toNodeListener } from '../src/platform/node-http.ts';
import { captureLogger, until } from './helpers/client-harness.ts';
import { slackSignature as sign } from './helpers/slack-signature.ts';

const SECRET = 'fwd-test-signing-secret-4f1c9a2b7e';
const OPTIONS = [{ text: { type: 'plain_text', text: 'one' }, value: '1' }];

let sim: Simulator;
let cleanups: Array<() => Promise<unknown> | unknown>;
beforeEach(async () => {
  // One redelivery, right after a missed deadline: the app-down test sees it reach the app once it is back.
  sim = await startSimulator({ ackTimeoutMs: 3000, redeliveryDelaysMs: [0] });
  cleanups = [];
});
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  await sim.close();
});

interface Seen {
  kind: string;
  retryNum?: number | undefined;
  retryReason?: string | undefined;
}

/** An unchanged Bolt App on its default HTTPReceiver (signature verification on), on a loopback port. */
async function boltHttpApp(
  port = 0,
  AppClass: typeof App = App,
): Promise<{ url: string; port: number; seen: Seen[]; stop(): Promise<void> }> {
  const app = new AppClass({
    token: sim.botToken,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
  });
  const seen: Seen[] = [];
  app.event('app_mention', async ({ context }) => {
    seen.push({ kind: 'app_mention', retryNum: context.retryNum, retryReason: context.retryReason });
  });
  app.command('/bolt', async ({ command, ack }) => {
    seen.push({ kind: 'command' });
    await ack(`acked: ${command.text}`);
  });
  app.action('sim_button', async ({ ack }) => {
    seen.push({ kind: 'action' });
    await ack();
  });
  app.view('sim_modal', async ({ ack }) => {
    seen.push({ kind: 'view_submission' });
    await ack({ response_action: 'errors', errors: { feedback: 'too short' } });
  });
  app.options('sim_select', async ({ ack }) => {
    seen.push({ kind: 'options' });
    await ack({ options: OPTIONS } as never);
  });
  const server = (await app.start({ port, host: '127.0.0.1' })) as Server;
  const bound = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async () => {
    if (!stopped) await app.stop();
    stopped = true;
  };
  cleanups.push(stop);
  return { url: `http://127.0.0.1:${bound}/slack/events`, port: bound, seen, stop };
}

/** A client on the simulator with a forwarder on it; every Delivery is recorded. */
async function forwarding(opts: Omit<ForwarderOptions, 'client' | 'signingSecret'>) {
  const { logger } = captureLogger();
  const client = new SocketModeClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    logger,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  client.on('error', () => undefined);
  const deliveries: Delivery[] = [];
  const forwarder = createForwarder({
    client,
    signingSecret: SECRET,
    onDelivery: (d) => deliveries.push(d),
    ...opts,
  });
  await client.start();
  cleanups.push(() => client.disconnect({ timeoutMs: 100 }));
  cleanups.push(() => forwarder.stop());
  return { client, deliveries };
}

describe('forwarding to an unchanged Bolt App (HTTPReceiver, signing secret)', () => {
  it.each([
    ['Bolt 5', App],
    ['Bolt 4', App4 as unknown as typeof App],
  ])(
    '%s: events, a command (text answer → ack payload), a button, a view submission, options',
    async (_n, AppClass) => {
      const bolt = await boltHttpApp(0, AppClass);
      const { deliveries } = await forwarding({ to: bolt.url });

      const mention = sim.inject('app_mention', { text: '<@U0BOT> hi' });
      expect((await sim.waitForAck(mention.envelope_id)).payload).toBeUndefined();
      const command = sim.inject('slash_command', { command: '/bolt', text: 'hi' });
      expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'acked: hi' });
      const click = sim.inject('block_actions');
      expect((await sim.waitForAck(click.envelope_id)).payload).toBeUndefined();
      const submission = sim.inject('view_submission');
      expect((await sim.waitForAck(submission.envelope_id)).payload).toEqual({
        response_action: 'errors',
        errors: { feedback: 'too short' },
      });
      const options = sim.inject('block_suggestion');
      expect((await sim.waitForAck(options.envelope_id)).payload).toEqual({ options: OPTIONS });

      expect(bolt.seen.map((s) => s.kind)).toEqual(['app_mention', 'command', 'action', 'view_submission', 'options']);
      expect(bolt.seen[0]).toMatchObject({ retryNum: undefined });
      expect(deliveries.map((d) => [d.kind, d.what, d.status, d.acked])).toEqual([
        ['events', 'app_mention', 200, true],
        ['commands', '/bolt', 200, true],
        ['interactivity', 'block_actions sim_button', 200, true],
        ['interactivity', 'view_submission sim_modal', 200, true],
        ['interactivity', 'block_suggestion sim_select', 200, true],
      ]);
      expect(deliveries.map((d) => d.ackBytes)).toEqual([
        0,
        JSON.stringify({ text: 'acked: hi' }).length,
        0,
        JSON.stringify({ response_action: 'errors', errors: { feedback: 'too short' } }).length,
        JSON.stringify({ options: OPTIONS }).length,
      ]);
      expect(sim.acks.filter((a) => a.duplicate)).toEqual([]);
    },
  );

  it('the app down: no ack, the forwarder goes on; back up, Slack’s redelivery reaches it with context.retryNum', async () => {
    const first = await boltHttpApp();
    await first.stop();
    const { deliveries } = await forwarding({ to: first.url });

    const mention = sim.inject('app_mention', { text: 'while down' });
    const command = sim.inject('slash_command', { command: '/bolt', text: 'down' });
    await until(() => deliveries.length === 2, 'both refused', 10_000);
    expect(deliveries.map((d) => [d.envelope_id, d.acked, d.failure, d.status])).toEqual(
      expect.arrayContaining([
        [mention.envelope_id, false, 'refused', undefined],
        [command.envelope_id, false, 'refused', undefined],
      ]),
    );

    // Back on the same port: the event's redelivery (after the missed deadline) is forwarded with its retry headers.
    const back = await boltHttpApp(first.port);
    await until(() => back.seen.length === 1, 'the redelivery', 10_000);
    expect(back.seen).toEqual([{ kind: 'app_mention', retryNum: 1, retryReason: 'timeout' }]);
    const redelivered = sim.deliveries.filter((d) => d.type === 'events_api');
    expect(redelivered.map((d) => d.retry_attempt)).toEqual([0, 1]);
    await sim.waitForAck(redelivered[1]!.envelope_id);
    // Neither first delivery was acked; the command is not redelivered (Slack does not retry commands).
    expect(sim.acks.map((a) => a.envelope_id)).toEqual([redelivered[1]!.envelope_id]);
    expect(
      sim
        .missedDeadlines()
        .map((m) => m.envelope_id)
        .sort(),
    ).toEqual([mention.envelope_id, command.envelope_id].sort());

    // Later envelopes go through.
    const later = sim.inject('slash_command', { command: '/bolt', text: 'up' });
    expect((await sim.waitForAck(later.envelope_id)).payload).toEqual({ text: 'acked: up' });
  });

  it('a request sent to the app directly, unsigned or signed with another secret, is still refused (401)', async () => {
    const bolt = await boltHttpApp();
    const body = JSON.stringify({ type: 'event_callback', event: { type: 'app_mention', text: 'forged' } });
    const ts = String(Math.floor(Date.now() / 1000));
    const unsigned = await fetch(bolt.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
    const wrong = await fetch(bolt.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': await sign('not-the-secret', ts, body),
      },
      body,
    });
    expect(wrong.status).toBe(401);
    // The same body signed with the app's secret is accepted: the refusals above are about the signature.
    const right = await fetch(bolt.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': await sign(SECRET, ts, body),
      },
      body,
    });
    expect(right.status).toBe(200);
    await until(() => bolt.seen.length === 1, 'the signed request', 5000);
  });
});

/** A Hono app that verifies the signature itself and answers as Slack expects; `hold` lets a test stall one command. */
function honoApp() {
  const seen: Array<{ kind: string; what: string; contentType: string; retryNum?: string | undefined }> = [];
  const hold: { until?: Promise<void> } = {};
  const app = new Hono();
  app.post('/slack/events', async (c) => {
    const raw = await c.req.text();
    const ts = c.req.header('x-slack-request-timestamp') ?? '';
    const age = Math.abs(Date.now() / 1000 - Number(ts));
    if (!(age < 300) || c.req.header('x-slack-signature') !== (await sign(SECRET, ts, raw)))
      return c.text('invalid signature', 401);
    const contentType = c.req.header('content-type') ?? '';
    const retryNum = c.req.header('x-slack-retry-num');
    if (contentType === 'application/json') {
      const body = JSON.parse(raw);
      if (body.type === 'url_verification') return c.json({ challenge: body.challenge });
      seen.push({ kind: 'event', what: body.event.type, contentType, retryNum });
      return c.body(null, 200);
    }
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload === null) {
      seen.push({ kind: 'command', what: form.get('command') ?? '', contentType });
      if (form.get('command') === '/slow') await hold.until;
      return c.text(`hono: ${form.get('text')}`);
    }
    const p = JSON.parse(payload);
    seen.push({ kind: p.type, what: p.type, contentType });
    if (p.type === 'view_submission')
      return c.json({ response_action: 'errors', errors: { feedback: 'hono says no' } });
    if (p.type === 'block_suggestion') return c.json({ options: OPTIONS });
    return c.body(null, 200);
  });
  return { app, seen, hold };
}

async function serve(fetchHandler: (r: Request) => Response | Promise<Response>): Promise<string> {
  const server = createServer(toNodeListener(fetchHandler));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
}

describe.each([
  ['on loopback HTTP', 'http'],
  ['as a fetch handler (no HTTP)', 'handler'],
] as const)('forwarding to a Hono app that verifies the signature itself, %s', (_name, how) => {
  it('every kind with Slack’s content types; its answers are the acks; one slow answer blocks no other', async () => {
    const hono = honoApp();
    const to = how === 'http' ? await serve((r) => hono.app.fetch(r)) : (r: Request) => hono.app.fetch(r);
    const { deliveries } = await forwarding({ to });

    let release!: () => void;
    hono.hold.until = new Promise((r) => (release = r));
    const slow = sim.inject('slash_command', { command: '/slow', text: 'later' });
    await until(() => hono.seen.length === 1, 'the slow command reached the app', 5000);

    const mention = sim.inject('app_mention');
    expect((await sim.waitForAck(mention.envelope_id)).payload).toBeUndefined();
    const command = sim.inject('slash_command', { command: '/hono', text: 'hi' });
    expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'hono: hi' });
    const click = sim.inject('block_actions');
    expect((await sim.waitForAck(click.envelope_id)).payload).toBeUndefined();
    const submission = sim.inject('view_submission');
    expect((await sim.waitForAck(submission.envelope_id)).payload).toEqual({
      response_action: 'errors',
      errors: { feedback: 'hono says no' },
    });
    const options = sim.inject('block_suggestion');
    expect((await sim.waitForAck(options.envelope_id)).payload).toEqual({ options: OPTIONS });
    // Five acks went by while the slow command was still held.
    expect(sim.acks.map((a) => a.envelope_id)).not.toContain(slow.envelope_id);
    release();
    expect((await sim.waitForAck(slow.envelope_id)).payload).toEqual({ text: 'hono: later' });
    expect(sim.acks.at(-1)!.envelope_id).toBe(slow.envelope_id);

    const FORM = 'application/x-www-form-urlencoded';
    expect(hono.seen.map((s) => [s.kind, s.contentType])).toEqual([
      ['command', FORM],
      ['event', 'application/json'],
      ['command', FORM],
      ['block_actions', FORM],
      ['view_submission', FORM],
      ['block_suggestion', FORM],
    ]);
    expect(deliveries.every((d) => d.acked && d.status === 200)).toBe(true);
    expect(deliveries.map((d) => d.target)).toEqual(Array(6).fill(how === 'http' ? to : 'handler'));
  });

  it('a wrong secret: the app refuses (401), nothing is acked, and the reason says so', async () => {
    const hono = honoApp();
    const to = how === 'http' ? await serve((r) => hono.app.fetch(r)) : (r: Request) => hono.app.fetch(r);
    const { logger } = captureLogger();
    const client = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, logger });
    client.on('error', () => undefined);
    const deliveries: Delivery[] = [];
    const f = createForwarder({ client, to, signingSecret: 'wrong-secret', onDelivery: (d) => deliveries.push(d) });
    cleanups.push(
      () => client.disconnect({ timeoutMs: 100 }),
      () => f.stop(),
    );
    await client.start();
    sim.inject('slash_command', { command: '/hono', text: 'x' });
    await until(() => deliveries.length === 1, 'the refused delivery', 5000);
    expect(deliveries[0]).toMatchObject({ acked: false, status: 401, failure: 'status', reason: 'HTTP 401' });
    expect(JSON.stringify(deliveries)).not.toContain('wrong-secret');
    expect(hono.seen).toEqual([]);
    expect(sim.acks).toEqual([]);
  });
});

describe('deadline, routes and options', () => {
  it('no answer before timeoutMs: not acked, reported as a timeout; the next envelope still goes through', async () => {
    const hono = honoApp();
    let stall = true;
    const to = (r: Request) => (stall ? new Promise<Response>(() => undefined) : hono.app.fetch(r));
    const { deliveries } = await forwarding({ to, timeoutMs: 300 });
    const stuck = sim.inject('slash_command', { command: '/hono', text: 'stuck' });
    await until(() => deliveries.length === 1, 'the timeout', 5000);
    expect(deliveries[0]).toMatchObject({ envelope_id: stuck.envelope_id, acked: false, failure: 'timeout' });
    stall = false;
    const next = sim.inject('slash_command', { command: '/hono', text: 'next' });
    expect((await sim.waitForAck(next.envelope_id)).payload).toEqual({ text: 'hono: next' });
    expect(sim.acks.map((a) => a.envelope_id)).toEqual([next.envelope_id]);
  });

  it('per-kind routes: each kind goes to its own target', async () => {
    const hits: string[] = [];
    const target = (name: string) => async (r: Request) => {
      hits.push(`${name} ${r.headers.get('content-type')}`);
      return new Response(null, { status: 200 });
    };
    await forwarding({
      routes: { events: target('events'), commands: target('commands'), interactivity: target('interactivity') },
    });
    for (const kind of ['app_mention', 'slash_command', 'block_actions'] as const) {
      await sim.waitForAck(sim.inject(kind).envelope_id);
    }
    expect(hits).toEqual([
      'events application/json',
      'commands application/x-www-form-urlencoded',
      'interactivity application/x-www-form-urlencoded',
    ]);
  });

  it('bad options are typed errors that never carry the secret', () => {
    const client = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl });
    const bad: Array<Partial<ForwarderOptions>> = [
      { to: 'http://127.0.0.1:1/x', signingSecret: '' },
      { signingSecret: SECRET },
      { to: 'ftp://example.com', signingSecret: SECRET },
      { to: 'not a url', signingSecret: SECRET },
      { to: 'http://127.0.0.1:1/x', signingSecret: SECRET, timeoutMs: 0 },
    ];
    for (const o of bad) {
      let thrown: unknown;
      try {
        createForwarder({ client, ...o } as ForwarderOptions);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expect(String((thrown as Error).message)).not.toContain(SECRET);
    }
  });
});

// `npm start -- --forward-to URL`: the dev command's own simulator, its envelopes forwarded to an HTTP app.
describe('socket-mode-anywhere dev --forward-to URL', () => {
  it('the simulator the dev command started is served by the HTTP app; its answers are the acks', async () => {
    const hono = honoApp();
    const url = await serve((r) => hono.app.fetch(r));
    const { runDevCli } = await import('../src/devpanel/cli.ts');
    const lines: string[] = [];
    const abort = new AbortController();
    const done = runDevCli(['--port', '0', '--panel-port', '0', '--forward-to', url], {
      out: (l) => lines.push(l),
      signal: abort.signal,
      env: { SLACK_SIGNING_SECRET: SECRET },
    });
    try {
      await until(() => lines.some((l) => l.includes('[forward] Forwarding Socket Mode to')), 'forwarding', 15_000);
      const simUrl = /Simulator: {2}(http:\/\/\S+)/.exec(lines.join('\n'))![1]!;
      // The panel's page is told: it does not connect a client of its own, which would take envelopes from the app.
      const panelUrl = /Panel: {6}(http:\/\/\S+)/.exec(lines.join('\n'))![1]!;
      expect(await (await fetch(new URL('config.json', panelUrl))).json()).toMatchObject({ forwardTo: url });
      await fetch(`${simUrl}/_sim/inject`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'slash_command', command: '/dev', text: 'hi' }),
      });
      await until(() => lines.some((l) => l.includes('with {"text":"hono: hi"}')), 'the ack', 10_000);
      expect(lines.filter((l) => /^\[forward\] .*\/dev {2}→ 200 \d+ ms {2}ack \d+ B$/.test(l))).toHaveLength(1);
      expect(hono.seen).toEqual([{ kind: 'command', what: '/dev', contentType: 'application/x-www-form-urlencoded' }]);
      expect(lines.some((l) => l.startsWith('  Bot:'))).toBe(false);
    } finally {
      abort.abort();
      await done;
    }
    expect(lines.filter((l) => l.startsWith('[forward] Forwarded 1 envelope: 1 acked'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(SECRET);
  });
});

describe('runForwardCli in-process', () => {
  it('colours when asked (a TTY), a retry marked on its line, and the SIGINT listeners removed after', async () => {
    const hono = honoApp();
    const url = await serve((r) => hono.app.fetch(r));
    const { runForwardCli } = await import('../src/forward/cli.ts');
    const lines: string[] = [];
    const abort = new AbortController();
    const sigints = process.listenerCount('SIGINT');
    const done = runForwardCli(['--events-to', url, '--timeout-ms', '2000'], {
      out: (l) => lines.push(l),
      env: { SLACK_APP_TOKEN: sim.appToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: sim.apiUrl },
      color: true,
      signal: abort.signal,
    });
    await until(() => lines.some((l) => l.startsWith('Forwarding Socket Mode to events: ')), 'connected', 10_000);
    const mention = sim.inject('app_mention');
    await sim.waitForAck(mention.envelope_id);
    const retry = { ...mention, envelope_id: crypto.randomUUID(), retry_attempt: 1, retry_reason: 'timeout' };
    // Acked before: the client's dedupe acks the redelivery itself; a fresh event with retry headers goes through.
    sim.sendEnvelope({ ...retry, payload: { ...mention.payload, event_id: 'EvRETRY1' } });
    await sim.waitForAck(retry.envelope_id);
    await until(() => lines.filter((l) => l.includes('app_mention')).length === 2, 'two lines', 5000);
    abort.abort();
    await done;
    expect(hono.seen.map((s) => s.retryNum)).toEqual([undefined, '1']);
    expect(lines.filter((l) => l.includes('app_mention')).every((l) => l.includes('\x1b[32m200\x1b[0m'))).toBe(true);
    expect(lines.filter((l) => l.includes('(retry 1)'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^Forwarded 2 envelopes: 2 acked/);
    expect(process.listenerCount('SIGINT')).toBe(sigints);
  });
});
