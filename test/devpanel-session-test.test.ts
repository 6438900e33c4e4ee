// A session recorded the way the dev panel records it (envelopes sent to the bot, the simulator's records of its
// acks and Web API calls) becomes a fixture and a vitest file (src/devpanel/app/session-test.ts). That file is run
// here as a user runs it — its own vitest process, the bot spawned from BOT_COMMAND — against the example echo bot
// (it passes) and against a copy whose /echo answer differs (it fails, naming the ack payload).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { buildFixture, testFileFor, testFileNames, type SessionFixture } from '../src/devpanel/app/session-test.ts';
import { bundle, root } from './helpers/bundle.ts';
import { until } from './helpers/wait.ts';

const dir = join(root, 'test-results', `session-test-${process.pid}`);
let echoBot: string;
let changedBot: string;
let fixture: SessionFixture;

/** Record: the example bot against a simulator, a mention and an /echo, as the panel's recorder sees them. */
async function record(botFile: string): Promise<SessionFixture> {
  const sim: Simulator = await startSimulator();
  const bot: ChildProcess = spawn(process.execPath, [botFile], {
    env: { ...process.env, SLACK_APP_TOKEN: sim.appToken, SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl },
    stdio: 'ignore',
  });
  try {
    await until(() => sim.connections().some((c) => c.state === 'live'), 20_000, 'the bot to connect');
    // One at a time, as a user clicks: each answered (acked and posted) before the next.
    const sent = [];
    for (const [kind, fields] of [
      ['app_mention', { text: '<@U0BOT> hi there' }],
      ['slash_command', { command: '/echo', text: 'world' }],
    ] as const) {
      const env = sim.inject(kind, fields);
      sent.push(env);
      await sim.waitForAck(env.envelope_id);
      await until(() => sim.apiCalls.length >= sent.length, 10_000, 'the bot to post');
    }
    return buildFixture({
      sent: sent as unknown as Array<Record<string, unknown>>,
      records: sim,
      simulatorUrl: sim.url,
      botCommand: `node ${JSON.stringify(botFile)}`,
    }).fixture;
  } finally {
    const exited = new Promise((r) => bot.once('exit', r));
    bot.kill('SIGTERM');
    await exited;
    await sim.close();
  }
}

/** Run the exported files with their own vitest, as `npx vitest run <file>`; the package name maps to the source. */
function runExported(base: string, botCommand?: string): { status: number | null; output: string } {
  const config = join(dir, 'vitest.config.mjs');
  writeFileSync(
    config,
    `export default { resolve: { alias: { 'socket-mode-anywhere/simulator': ${JSON.stringify(join(root, 'src/simulator/index.ts'))} } } };\n`,
  );
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', config, testFileNames(base).test],
    {
      cwd: root,
      env: { ...process.env, ...(botCommand ? { BOT_COMMAND: botCommand } : {}), NO_COLOR: '1', CI: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  echoBot = await bundle('examples/node/echo-bot.mjs', 'session-test-echo', 'node');
  // The same bot with a different /echo answer (its ack payload and its chat.postMessage).
  const changedSrc = join(dir, 'changed-bot.mjs');
  writeFileSync(
    changedSrc,
    readFileSync(join(root, 'examples/node/echo-bot.mjs'), 'utf8').replaceAll(
      '`echo: ${body.text}`',
      '`ECHO: ${body.text}`',
    ),
  );
  changedBot = await bundle(changedSrc.slice(root.length + 1), 'session-test-changed', 'node');
  fixture = await record(echoBot);
  const names = testFileNames('echo-session');
  writeFileSync(join(dir, names.fixture), JSON.stringify(fixture, null, 2));
  writeFileSync(join(dir, names.test), testFileFor(names.fixture, fixture));
}, 90_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a recorded session as a test', () => {
  it('the fixture holds what the bot received, acked and posted', () => {
    expect(fixture.steps.map((s) => s.envelope['type'])).toEqual(['events_api', 'slash_commands']);
    expect(fixture.steps.map((s) => s.ack)).toEqual([{}, { payload: { text: 'echo: world' } }]);
    expect(fixture.steps.map((s) => s.apiCalls.map((c) => [c.method, c.args['text']]))).toEqual([
      [['chat.postMessage', 'echo: <@U0BOT> hi there']],
      [['chat.postMessage', 'echo: world']],
    ]);
  });

  it('the exported test passes against the bot it was recorded with', () => {
    const r = runExported('echo-session');
    expect(r.output).toContain('1 passed');
    expect(r.status).toBe(0);
  }, 130_000);

  it('the exported test runs on Bun (bun test) and on Deno (vitest under deno run) as it is', () => {
    // Bun maps the file's `vitest` import to bun:test; the package name comes from tsconfig paths here.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { paths: { 'socket-mode-anywhere/simulator': ['../../src/simulator/index.ts'] } },
      }),
    );
    const names = testFileNames('echo-session');
    const bun = spawnSync(join(root, 'node_modules/.bin/bun'), ['test', `./${names.test}`], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(`${bun.stdout}\n${bun.stderr}`).toContain('1 pass');
    expect(bun.status).toBe(0);
    const deno = spawnSync(
      join(root, 'node_modules/.bin/deno'),
      [
        'run',
        '-A',
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.mjs'),
        names.test,
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', CI: '1' } },
    );
    expect(`${deno.stdout}\n${deno.stderr}`).toContain('1 passed');
    expect(deno.status).toBe(0);
  }, 250_000);

  it('the exported test fails when the bot answers /echo differently', () => {
    const r = runExported('echo-session', `node ${JSON.stringify(changedBot)}`);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('step 2 (slash_commands /echo): the ack payload');
    expect(r.output).toContain('ECHO: world');
  }, 130_000);
});
