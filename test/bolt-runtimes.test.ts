// examples/bolt/app.mjs (a real Bolt 5 app on socket-mode-anywhere/bolt) as a user runs it, on Node, Bun and Deno
// (Bolt loads from node_modules on each), against the simulator: every listener kind answered, then SIGTERM →
// app.stop() → exit 0.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { outDir, root } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});

/**
 * The example as each runtime's user gets it: `socket-mode-anywhere/bolt` from this repo's source through the
 * package's export for that runtime (Node: the entry registering ws), Bolt and every other package from node_modules.
 */
async function bundleFor(runtime: 'node' | 'bun' | 'deno', bolt4 = false): Promise<string> {
  // Deno reads a file under node_modules as an npm package's, where `npm:` specifiers are refused: its bundle
  // goes to the repo's (ignored) tmp/, where the repo's package.json still maps bare names to node_modules.
  const dir = runtime === 'deno' ? join(root, 'tmp') : outDir;
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `example-bolt-${runtime}${bolt4 ? '-bolt4' : ''}.mjs`);
  await build({
    entryPoints: [join(root, 'examples/bolt/app.mjs')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    conditions: [runtime],
    packages: 'external',
    target: 'es2022',
    logLevel: 'silent',
    // The same app on Bolt 4 (installed here as slack-bolt-4).
    ...(bolt4 ? { alias: { '@slack/bolt': 'slack-bolt-4' } } : {}),
    plugins: [
      {
        name: 'socket-mode-anywhere-bolt-source',
        setup(b) {
          b.onResolve({ filter: /^socket-mode-anywhere\/bolt$/ }, () => ({
            path: join(root, `src/bolt/${runtime}.ts`),
          }));
          // A Deno user imports Bolt as `npm:@slack/bolt` (here served from node_modules: --node-modules-dir=manual).
          if (runtime === 'deno') {
            b.onResolve({ filter: /^@slack\/bolt$/ }, () => ({ path: 'npm:@slack/bolt@^5.1.0', external: true }));
          }
          b.onResolve({ filter: /^socket-mode-anywhere$/ }, () => ({
            path: join(root, `src/platform/${runtime}.ts`),
          }));
        },
      },
    ],
  });
  return outfile;
}

const posted = (kind: string) => sim.posted.filter((p) => p.kind === kind).map((p) => p.body as any);

/** A loopback port nothing listens on now (the app binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function exercise(cmd: string, args: string[]): Promise<void> {
  sim.resetStats();
  const healthPort = await freePort();
  const child = spawn(cmd, args, {
    cwd: root,
    env: {
      ...process.env,
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_API_URL: sim.apiUrl,
      HEALTH_PORT: String(healthPort),
      NO_COLOR: '1',
    },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    await until(() => output.includes('Bolt app running'), 30_000, `${cmd} to start\n${output}`);
    expect(sim.connections().filter((c) => c.state === 'live')).toHaveLength(1);
    // The receiver's client health, served on HEALTH_PORT as the dev panel's bot health reads it.
    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect([health.status, ((await health.json()) as any).status]).toEqual([200, 'ok']);

    const mention = sim.inject('app_mention', { text: '<@U0BOT> hi' });
    expect((await sim.waitForAck(mention.envelope_id)).payload).toBeUndefined();
    await until(() => posted('chat.postMessage').length === 1, 10_000, `say()\n${output}`);

    const command = sim.inject('slash_command', { command: '/feedback', text: 'yo' });
    expect((await sim.waitForAck(command.envelope_id)).payload).toEqual({ text: 'Got /feedback yo' });
    await until(() => posted('response_url').length === 1, 10_000, 'respond()');
    expect(posted('response_url')[0]).toMatchObject({ response_type: 'in_channel', text: '/feedback: yo' });

    const button = sim.inject('block_actions');
    expect((await sim.waitForAck(button.envelope_id)).payload).toBeUndefined();
    await until(() => posted('response_url').length === 2, 10_000, 'the button respond()');

    const options = sim.inject('block_suggestion');
    expect(((await sim.waitForAck(options.envelope_id)).payload as any).options).toHaveLength(2);

    // The modal's input is empty: the submission is refused with a field error, in the ack.
    const submission = sim.inject('view_submission');
    expect((await sim.waitForAck(submission.envelope_id)).payload).toMatchObject({
      response_action: 'errors',
      errors: { feedback: expect.any(String) },
    });

    // The shortcut opens the modal with its trigger_id.
    const shortcut = sim.inject('shortcut');
    expect((await sim.waitForAck(shortcut.envelope_id)).payload).toBeUndefined();
    await until(() => sim.apiCalls.some((c) => c.method === 'views.open'), 10_000, `views.open\n${output}`);
    expect(sim.apiCalls.filter((c) => c.method === 'views.open').map((c) => [c.ok, c.args['trigger_id']])).toEqual([
      [true, (shortcut.payload as any).trigger_id],
    ]);

    expect(sim.acks.filter((a) => a.duplicate)).toEqual([]);
    expect(output).not.toContain(sim.appToken);
    expect(output).not.toContain(sim.botToken);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  await until(() => !sim.connections().some((c) => c.state === 'live'), 5_000, 'the socket to close');
}

const bin = (name: string) => join(root, 'node_modules/.bin', name);

describe('examples/bolt/app.mjs', () => {
  it('on Node (Bolt 5, ws)', async () => {
    await exercise(process.execPath, [await bundleFor('node')]);
  });
  it('on Bun', async () => {
    await exercise(bin('bun'), [await bundleFor('bun')]);
  });
  it('on Bun with Bolt 4', async () => {
    const file = await bundleFor('bun', true);
    expect(readFileSync(file, 'utf8')).toContain('from "slack-bolt-4"');
    await exercise(bin('bun'), [file]);
  });
  it('on Deno (Bolt as npm:@slack/bolt)', async () => {
    const file = await bundleFor('deno');
    expect(readFileSync(file, 'utf8')).toContain('from "npm:@slack/bolt@^5.1.0"');
    await exercise(bin('deno'), [
      'run',
      '--node-modules-dir=manual',
      '--allow-env',
      '--allow-net=127.0.0.1',
      '--allow-read',
      '--allow-sys',
      file,
    ]);
  });
});

// `npm start -- --bot examples/bolt/app.mjs`: the dev command runs the app in place of the echo bot, with the
// simulator's tokens and URLs in its env; the app imports the built package by name (dist/, as a user's would).
describe('socket-mode-anywhere dev --bot examples/bolt/app.mjs', () => {
  it('the Bolt app answers the simulator the dev command started, and stops with it', async () => {
    if (!existsSync(join(root, 'dist/bolt/node.js'))) throw new Error('dist/ is missing: run `npm run build` first.');
    const { runDevCli } = await import('../src/devpanel/cli.ts');
    const lines: string[] = [];
    const abort = new AbortController();
    const done = runDevCli(['--port', '0', '--panel-port', '0', '--bot', 'examples/bolt/app.mjs'], {
      out: (l) => lines.push(l),
      signal: abort.signal,
      env: {},
    });
    try {
      await until(() => lines.some((l) => l.includes('Bolt app running')), 30_000, `the app\n${lines.join('\n')}`);
      const simUrl = /Simulator: {2}(http:\/\/\S+)/.exec(lines.join('\n'))![1]!;
      const inject = (body: object) =>
        fetch(`${simUrl}/_sim/inject`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await inject({ kind: 'slash_command', command: '/feedback', text: 'hi' });
      await until(() => lines.some((l) => l.includes('with {"text":"Got /feedback hi"}')), 10_000, 'the ack');
      await until(() => lines.some((l) => l.includes('via response_url: /feedback: hi')), 10_000, 'respond()');
    } finally {
      abort.abort();
      await done;
    }
    expect(lines.filter((l) => l.startsWith('[bot] exited'))).toEqual(['[bot] exited (0)']);
  });
});
