// A real Bolt App (5 and 4) on socket-mode-anywhere/bolt's SocketModeReceiver, against the simulator over real
// sockets: each listener kind end to end (what the simulator records: acks, posts, response_url posts), retry
// mapping, the listener-throws path, app.stop() with listeners in flight, and the one-URL helpers.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  App as App5,
  LogLevel as BoltLogLevel,
  defaultProcessEventErrorHandler as boltDefaultHandler,
} from '@slack/bolt';
import { ConsoleLogger as BoltConsoleLogger } from '@slack/logger';
import { App as App4 } from 'slack-bolt-4';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { boltOptions, SocketModeReceiver } from '../src/bolt/node.ts';
import { boltTestApp, type BoltAppClass } from './helpers/bolt-app.ts';
import { captureLogger, until } from './helpers/client-harness.ts';

let sim: Simulator;
let apps: Array<{ stop(): Promise<unknown> }>;
beforeEach(async () => {
  sim = await startSimulator({ ackTimeoutMs: 3000 });
  apps = [];
});
afterEach(async () => {
  await Promise.all(apps.map((a) => a.stop().catch(() => undefined)));
  await sim.close();
});

const posted = (kind: string) => sim.posted.filter((p) => p.kind === kind).map((p) => p.body as any);

describe.each([
  ['Bolt 5', App5 as unknown as BoltAppClass],
  ['Bolt 4', App4 as unknown as BoltAppClass],
])('%s on SocketModeReceiver', (_name, App) => {
  it('every listener kind, end to end', async () => {
    const { lines, logger } = captureLogger();
    const { app, seen } = boltTestApp(App, sim, logger);
    apps.push(app);
    const hello = await app.start();
    // start() resolved on the first hello: the simulator has a live connection, and it is the one named.
    expect(sim.connections().filter((c) => c.state === 'live')).toHaveLength(1);
    expect(typeof hello.connection_id).toBe('string');

    // An event: acked empty by Bolt, then say() posts through chat.postMessage.
    const mention = sim.inject('app_mention', { text: '<@U0BOT> hello' });
    expect((await sim.waitForAck(mention.envelope_id)).payload).toBeUndefined();
    await until(() => posted('chat.postMessage').length === 1, 'say()');
    expect(posted('chat.postMessage')[0]).toMatchObject({ text: 'said: <@U0BOT> hello' });
    // customPropertiesExtractor: the envelope's connection reached context.
    expect(typeof seen.find((s) => s.kind === 'app_mention')?.custom).toBe('string');

    // A command: ack('text') is the ack payload; respond() posts to its response_url.
    const command = sim.inject('slash_command', { command: '/bolt', text: 'hi' });
    expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'acked: hi' });
    await until(() => posted('response_url').length === 1, 'respond()');
    expect(posted('response_url')[0]).toMatchObject({ text: 'responded: hi' });

    // A button: acked empty, then respond().
    const action = sim.inject('block_actions');
    expect((await sim.waitForAck(action.envelope_id)).payload).toBeUndefined();
    await until(() => posted('response_url').length === 2, 'the action respond()');
    expect(posted('response_url')[1]).toMatchObject({ text: `clicked by ${(action.payload as any).user.id}` });

    // Options: the options list is the ack payload.
    const options = sim.inject('block_suggestion');
    expect((await sim.waitForAck(options.envelope_id)).payload).toEqual({
      options: [{ text: { type: 'plain_text', text: 'one' }, value: '1' }],
    });

    // A shortcut that opens a modal with its trigger_id (client.views.open against the simulator's Web API), then a
    // view submission answered with validation errors in the ack.
    const shortcut = sim.inject('shortcut');
    expect((await sim.waitForAck(shortcut.envelope_id)).payload).toBeUndefined();
    await until(() => seen.some((s) => s.kind === 'views.open'), 'views.open');
    const opens = sim.apiCalls.filter((c) => c.method === 'views.open');
    expect(opens.map((c) => [c.ok, c.args['trigger_id']])).toEqual([[true, (shortcut.payload as any).trigger_id]]);
    expect(seen.find((s) => s.kind === 'views.open')?.custom).toBe((opens[0]!.response as any).view.id);
    const submission = sim.inject('view_submission');
    expect((await sim.waitForAck(submission.envelope_id)).payload).toEqual({
      response_action: 'errors',
      errors: { feedback: 'too short' },
    });

    // Each envelope reached one listener once (slack_event only: never a second time through a per-type event).
    expect(seen.map((s) => s.kind)).toEqual([
      'app_mention',
      'command',
      'action',
      'options',
      'shortcut',
      'views.open',
      'view_submission',
    ]);
    expect(sim.acks.filter((a) => a.duplicate)).toEqual([]);
    expect(sim.acks).toHaveLength(6);
    expect(lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  it("a redelivered event: context.retryNum and retryReason are Slack's retry headers", async () => {
    const { logger } = captureLogger();
    const { app, seen } = boltTestApp(App, sim, logger);
    apps.push(app);
    await app.start();
    const first = sim.inject('app_mention', { text: '<@U0BOT> once' });
    await sim.waitForAck(first.envelope_id);
    // Slack's retry of an event this app never acked: a new envelope, the retry fields set.
    const retry = {
      ...first,
      envelope_id: randomUUID(),
      retry_attempt: 2,
      retry_reason: 'timeout',
      payload: { ...(first.payload as object), event_id: `Ev${Date.now()}` },
    };
    sim.sendEnvelope(retry);
    await sim.waitForAck(retry.envelope_id);
    await until(() => seen.length === 2, 'the retry');
    // The first delivery: 0 and '' as Slack sends them (and Bolt's own SocketModeReceiver passes them on).
    expect(seen.map((s) => [s.retryNum, s.retryReason])).toEqual([
      [0, ''],
      [2, 'timeout'],
    ]);
  });
});

describe('Bolt 5: failures and shutdown', () => {
  it('a listener that throws before ack(): logged with the envelope id and type, not acked, nothing crashes', async () => {
    const { lines, logger } = captureLogger();
    // A short drain at teardown: the failed envelope stays un-acked, and stop() would wait the full 3 s for it.
    const { app, seen } = boltTestApp(App5 as unknown as BoltAppClass, sim, logger, { drainTimeoutMs: 200 });
    apps.push(app);
    await app.start();
    const failing = sim.inject('slash_command', { command: '/throws', text: 'x' });
    await until(() => lines.some((l) => l.includes(failing.envelope_id)), 'the log line');
    const line = lines.find((l) => l.includes(failing.envelope_id))!;
    expect(line).toMatch(/^error /);
    expect(line).toContain('slash_commands /throws');
    expect(line).toContain('(not acked)');
    expect(line).not.toContain(sim.botToken);
    // Every line the receiver and its client wrote (Bolt's own error handler logs the raw error: Bolt's line).
    expect(lines.filter((l) => l.includes(sim.botToken) && !l.startsWith('error Error: listener'))).toEqual([]);
    // The app goes on: the next command is answered, and the failed one was never acked.
    const next = sim.inject('slash_command', { command: '/bolt', text: 'after' });
    expect((await sim.waitForAck(next.envelope_id)).payload).toEqual({ text: 'acked: after' });
    expect(sim.acks.map((a) => a.envelope_id)).toEqual([next.envelope_id]);
    // The failed envelope delivered again (as a retry is): dedupe forgot it, so it reaches the App a second time.
    sim.sendEnvelope({ ...failing, retry_attempt: 1, retry_reason: 'timeout' });
    await until(() => seen.length === 3, 'the redelivery');
    expect(seen.map((s) => s.kind)).toEqual(['throws', 'command', 'throws']);
  });

  it('processEventErrorHandler: true acks the envelope (as for an authorization error)', async () => {
    const { logger } = captureLogger();
    const calls: string[] = [];
    const { app } = boltTestApp(App5 as unknown as BoltAppClass, sim, logger, {
      processEventErrorHandler: async ({ envelope, error }) => {
        calls.push(`${envelope.type} ${envelope.subtype} ${error.message}`);
        return true;
      },
    });
    apps.push(app);
    await app.start();
    const failing = sim.inject('slash_command', { command: '/throws', text: 'x' });
    expect((await sim.waitForAck(failing.envelope_id)).payload).toBeUndefined();
    expect(calls).toEqual([`slash_commands /throws listener failed before ack (${sim.botToken})`]);
  });

  it('app.stop() with a listener in flight: its ack still reaches Slack, then the socket closes', async () => {
    const { logger } = captureLogger();
    const { app, seen, gate } = boltTestApp(App5 as unknown as BoltAppClass, sim, logger);
    await app.start();
    let release!: () => void;
    gate.wait = new Promise<void>((r) => (release = r));
    const slow = sim.inject('slash_command', { command: '/slow', text: '' });
    await until(() => seen.length === 1, 'the listener to start');
    const order: string[] = [];
    const stopped = app.stop().then(() => order.push('stopped'));
    // Still open while the listener works (disconnect() drains).
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.connections().filter((c) => c.state === 'live')).toHaveLength(1);
    order.push('released');
    release();
    const ack = await sim.waitForAck(slow.envelope_id);
    order.push('acked');
    await stopped;
    expect(ack.payload).toEqual({ text: 'slow done' });
    expect(order).toEqual(['released', 'acked', 'stopped']);
    await until(() => !sim.connections().some((c) => c.state === 'live'), 'the socket to close');
  });
});

describe('one Web API URL for the App and the receiver', () => {
  it("boltOptions() gives Bolt the receiver's API URL: say() goes to the simulator", async () => {
    const { logger } = captureLogger();
    const app = new App5({
      token: sim.botToken,
      logger: logger as any,
      ...boltOptions(
        { appToken: sim.appToken, apiUrl: sim.apiUrl.replace(/\/$/, '') },
        { retryConfig: { retries: 0 } },
      ),
    });
    apps.push(app);
    app.event('app_mention', async ({ say }) => void (await say('via boltOptions')));
    await app.start();
    expect(app.client.slackApiUrl).toBe(sim.apiUrl);
    sim.inject('app_mention');
    await until(() => posted('chat.postMessage').length === 1, 'say()');
    expect(posted('chat.postMessage')[0]).toMatchObject({ text: 'via boltOptions' });
  });

  it("an App whose Web API is not the receiver's: init() says so at once, naming both URLs and the fix", async () => {
    const { lines, logger } = captureLogger();
    const receiver = new SocketModeReceiver({ appToken: sim.appToken, apiUrl: sim.apiUrl, logger });
    // tokenVerificationEnabled: false, so this test makes no call to slack.com (Bolt's auth.test is eager).
    new App5({ token: sim.botToken, receiver, logger: logger as any, tokenVerificationEnabled: false });
    const line = lines.find((l) => l.includes('is not the receiver'));
    expect(line).toContain('https://slack.com/api/');
    expect(line).toContain(sim.apiUrl);
    expect(line).toContain('boltOptions()');
    // The same URL written without its trailing slash is the same API: nothing said.
    const quiet = captureLogger();
    new App5({
      token: sim.botToken,
      receiver: new SocketModeReceiver({ appToken: sim.appToken, apiUrl: sim.apiUrl, logger: quiet.logger }),
      logger: quiet.logger as any,
      clientOptions: { slackApiUrl: sim.apiUrl.replace(/\/$/, '') },
      tokenVerificationEnabled: false,
    });
    expect(quiet.lines.filter((l) => l.includes('is not the receiver'))).toEqual([]);
  });

  it("Bolt's own defaultProcessEventErrorHandler and logger types fit the receiver's options", () => {
    // Compile-time as much as run time: a Bolt app's existing handler and logger go in unchanged.
    const receiver = new SocketModeReceiver({
      appToken: sim.appToken,
      processEventErrorHandler: boltDefaultHandler,
      logger: new BoltConsoleLogger(),
      logLevel: BoltLogLevel.WARN,
    });
    expect(receiver.slackApiUrl).toBe('https://slack.com/api/');
  });

  it('socketMode: true with this receiver: Bolt refuses it', () => {
    const receiver = new SocketModeReceiver({ appToken: sim.appToken, apiUrl: sim.apiUrl });
    expect(
      () => new App5({ token: sim.botToken, receiver, socketMode: true, tokenVerificationEnabled: false }),
    ).toThrow(/custom receiver/);
  });
});
