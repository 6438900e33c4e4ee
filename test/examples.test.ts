// Each runtime's echo example, run as a user runs it (its own binary, env vars, SIGTERM to stop), against the
// simulator: a mention is answered through chat.postMessage, /echo through the ack payload.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle, root } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});

const bin = (name: string) => join(root, 'node_modules/.bin', name);

async function exercise(cmd: string, args: string[]): Promise<void> {
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, SLACK_APP_TOKEN: sim.appToken, SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    await until(() => sim.connections().some((c) => c.state === 'live'), 20_000, `${cmd} to connect\n${output}`);
    const tag = Math.random().toString(36).slice(2);
    const mention = sim.inject('app_mention', { text: `<@U0BOT> hi ${tag}`, channel: 'C0EXAMPLE' });
    const ack = await sim.waitForAck(mention.envelope_id);
    expect(ack.payload).toBeUndefined();
    await until(() => sim.posted.some((p) => (p.body as any)?.text === `echo: <@U0BOT> hi ${tag}`), 10_000, 'the reply');
    const slash = sim.inject('slash_command', { command: '/echo', text: tag });
    expect((await sim.waitForAck(slash.envelope_id)).payload).toEqual({ text: `echo: ${tag}` });
    expect(output).not.toContain(sim.appToken);
    expect(output).not.toContain(sim.botToken);
  } finally {
    child.kill('SIGTERM');
  }
  // SIGTERM → disconnect() → a clean exit 0, with every socket closed.
  expect(await exited).toBe(0);
  await until(() => !sim.connections().some((c) => c.state === 'live'), 5_000, 'the socket to close');
}

describe('examples', () => {
  it('examples/node (Node 20, ws)', async () => {
    const file = await bundle('examples/node/echo-bot.mjs', 'example-node', 'node');
    await exercise(process.execPath, [file]);
  });

  it('examples/deno (least permissions)', async () => {
    await exercise(bin('deno'), [
      'run', '--import-map=test/helpers/deno-import-map.json', '--allow-net=127.0.0.1',
      '--allow-env=SLACK_APP_TOKEN,SLACK_BOT_TOKEN,SLACK_API_URL', 'examples/deno/echo-bot.ts',
    ]);
  });

  it('examples/bun', async () => {
    await exercise(bin('bun'), ['--preload', './test/helpers/bun-source-package.ts', 'examples/bun/echo-bot.ts']);
  });
});
