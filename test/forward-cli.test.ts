// The built CLI (`dist/bin/cli.js forward`) against the simulator and an unchanged Bolt HTTP app: one line per
// envelope, a refused target explained once and then counted, the summary on SIGINT, clear errors for a missing
// secret or a refused token, and neither the token nor the secret anywhere in what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel } from '@slack/bolt';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { root } from './helpers/bundle.ts';
import { until } from './helpers/client-harness.ts';

const SECRET = 'cli-test-signing-secret-9d8e7f6a5b';
const CLI = join(root, 'dist/bin/cli.js');

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
});

let sim: Simulator;
let children: ChildProcess[];
let stops: Array<() => Promise<unknown>>;
beforeEach(async () => {
  sim = await startSimulator({ ackTimeoutMs: 3000, redeliveryDelaysMs: [] });
  children = [];
  stops = [];
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of stops) await s().catch(() => undefined);
  await sim.close();
});

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output = { text: '' };
  child.stdout!.on('data', (b: Buffer) => (output.text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output.text += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output, exited };
}

async function boltHttpApp(): Promise<{ url: string; stop(): Promise<unknown> }> {
  const app = new App({
    token: sim.botToken,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/bolt', async ({ command, ack }) => {
    await ack(`acked: ${command.text}`);
  });
  app.event('app_mention', async () => undefined);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const stop = () => app.stop();
  stops.push(stop);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, stop };
}

describe('socket-mode-anywhere forward (the built CLI)', () => {
  it('lines per envelope, refusals explained once then counted, a summary on SIGINT, no secret printed', async () => {
    const bolt = await boltHttpApp();
    const env = { SLACK_APP_TOKEN: sim.appToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: sim.apiUrl };
    const cli = run(['forward', '--to', bolt.url], env);
    await until(() => cli.output.text.includes('Forwarding Socket Mode to'), 'the CLI connected', 15_000);

    const command = sim.inject('slash_command', { command: '/bolt', text: 'hi' });
    expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'acked: hi' });
    const size = JSON.stringify({ text: 'acked: hi' }).length;
    await until(
      () => new RegExp(`/bolt.*→ 200 \\d+ ms {2}ack ${size} B$`, 'm').test(cli.output.text),
      'the command line',
    );
    const mention = sim.inject('app_mention');
    await sim.waitForAck(mention.envelope_id);
    await until(() => /app_mention.*→ 200 \d+ ms {2}ack$/m.test(cli.output.text), 'the event line');

    await bolt.stop();
    sim.inject('slash_command', { command: '/bolt', text: 'down 1' });
    sim.inject('slash_command', { command: '/bolt', text: 'down 2' });
    await until(() => (cli.output.text.match(/not acked$/gm) ?? []).length === 2, 'two refusals');
    expect(cli.output.text).toContain('connection refused (1)');
    expect(cli.output.text).toContain('connection refused (2)');
    expect(cli.output.text.match(/refuses connections: is the app running\?/g)).toHaveLength(1);
    // No colour codes: stdout is not a TTY.
    expect(cli.output.text).not.toContain('\x1b[');

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output.text).toMatch(/Forwarded 4 envelopes: 2 acked, median \d+ ms; 2 not acked \(refused 2\)/);
    expect(sim.acks.map((a) => a.envelope_id)).toEqual([command.envelope_id, mention.envelope_id]);
    expect(cli.output.text).not.toContain(SECRET);
    expect(cli.output.text).not.toContain(sim.appToken);
  });

  it('a wrong signing secret: the 401 line, with a hint about SLACK_SIGNING_SECRET, once', async () => {
    const bolt = await boltHttpApp();
    const wrong = 'not-the-apps-secret-0123';
    const env = { SLACK_APP_TOKEN: sim.appToken, SLACK_SIGNING_SECRET: wrong, SLACK_API_URL: sim.apiUrl };
    const cli = run(['forward', '--commands-to', bolt.url], env);
    await until(() => cli.output.text.includes('Forwarding Socket Mode to'), 'the CLI connected', 15_000);
    sim.inject('slash_command', { command: '/bolt', text: 'a' });
    sim.inject('slash_command', { command: '/bolt', text: 'b' });
    await until(() => (cli.output.text.match(/✗ HTTP 401/g) ?? []).length === 2, 'two 401 lines');
    expect(cli.output.text.match(/is SLACK_SIGNING_SECRET the app's signing secret\?/g)).toHaveLength(1);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output.text).toContain('0 acked; 2 not acked (HTTP 401 2)');
    expect(sim.acks).toEqual([]);
    expect(cli.output.text).not.toContain(wrong);
  });

  it('clear errors, exit 2: no secret, no --to, a token Slack refuses; neither token nor secret printed', async () => {
    const noSecret = run(['forward', '--to', 'http://127.0.0.1:9/x'], {
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_API_URL: sim.apiUrl,
    });
    expect(await noSecret.exited).toBe(2);
    expect(noSecret.output.text).toContain('SLACK_SIGNING_SECRET is not set');

    const noTo = run(['forward'], { SLACK_APP_TOKEN: sim.appToken, SLACK_SIGNING_SECRET: SECRET });
    expect(await noTo.exited).toBe(2);
    expect(noTo.output.text).toContain('forward needs --to URL');

    const botToken = run(['forward', '--to', 'http://127.0.0.1:9/x'], {
      SLACK_APP_TOKEN: sim.botToken,
      SLACK_SIGNING_SECRET: SECRET,
    });
    expect(await botToken.exited).toBe(2);
    expect(botToken.output.text).toContain('SLACK_APP_TOKEN is not an app-level token');

    const refusedToken = 'xapp-1-A111-222-' + 'f'.repeat(64);
    const refused = run(['forward', '--to', 'http://127.0.0.1:9/x'], {
      SLACK_APP_TOKEN: refusedToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: sim.apiUrl,
    });
    expect(await refused.exited).toBe(2);
    expect(refused.output.text).toContain('Slack refused SLACK_APP_TOKEN');
    for (const r of [noSecret, noTo, botToken, refused]) {
      expect(r.output.text).not.toContain(SECRET);
      expect(r.output.text).not.toContain(sim.appToken);
      expect(r.output.text).not.toContain(sim.botToken);
      expect(r.output.text).not.toContain(refusedToken);
    }
  });
});
