// Issue 20 item 5: a session recorded in the panel becomes a regression test. The example echo bot (bundled as a
// user's bundler would, spawned with the simulator's env vars) answers a mention and an /echo sent to it from the
// page; "Export as test" downloads a fixture and a vitest file; that file, run with its own vitest against the same
// bot, passes. The recording survives a reload. At 1280×800 and 390×844; screenshots in test-results/devpanel-issue20/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { servePanel } from './panel-build.ts';
import { inject, openPanel } from './panel-page.ts';
import { bundle, root } from '../helpers/bundle.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { DevPanel } from '../../src/devpanel/server.ts';

const SHOTS = 'test-results/devpanel-issue20';
const served = servePanel('devpanel-session-test-build');
let sim: Simulator;
let panel: DevPanel;
let botFile: string;
let bot: ChildProcess | undefined;

test.beforeAll(async () => {
  ({ sim, panel } = served);
  botFile = await bundle('examples/node/echo-bot.mjs', 'panel-session-echo', 'node');
});
test.afterAll(() => void bot?.kill('SIGTERM'));

async function startBot(): Promise<void> {
  if (bot && bot.exitCode === null) return;
  bot = spawn(process.execPath, [botFile], {
    env: { ...process.env, SLACK_APP_TOKEN: sim.appToken, SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl },
    stdio: 'ignore',
  });
}

/** Click Export as test and save both downloads into `dir`. Returns their names. */
async function exportTest(page: Page, dir: string): Promise<{ fixture: string; test: string }> {
  const got: string[] = [];
  const both = new Promise<void>((resolve) =>
    page.on('download', async (d) => {
      await d.saveAs(join(dir, d.suggestedFilename()));
      got.push(d.suggestedFilename());
      if (got.length === 2) resolve();
    }),
  );
  await page.click('#export-test');
  await both;
  return { fixture: got.find((n) => n.endsWith('.fixture.json'))!, test: got.find((n) => n.endsWith('.test.mjs'))! };
}

for (const vp of [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`${vp.name} ${vp.width}×${vp.height}: record a session, export it as a test, run it against the bot`, async ({
    page,
  }) => {
    await page.setViewportSize(vp);
    await startBot();
    await openPanel(page, panel.url);
    await expect(page.locator('#sim-conns')).toContainText(/conn-\d+ live/);
    await expect.poll(() => sim.connections().filter((c) => c.state === 'live').length).toBe(2);
    await expect(page.locator('#export-test')).toBeDisabled();
    await page.click('#record');
    await expect(page.locator('#record')).toHaveAttribute('aria-pressed', 'true');
    await page.fill('#bot-command', `node ${JSON.stringify(botFile)}`);
    await page.locator('#bot-command').dispatchEvent('change');

    const acked = async (n: number) => expect.poll(() => sim.acks.length).toBeGreaterThanOrEqual(n);
    const acks0 = sim.acks.length;
    await inject(page, 'Mention (@bot)', { text: `hi ${vp.name}`, to: 'bot' });
    await acked(acks0 + 1);
    // The bot can ack before the page has the simulator's answer: the recorder notes the envelope on that answer.
    await expect(page.locator('#record-status')).toHaveText('Recording: 1 envelope sent.');
    // The recording survives a reload (sessionStorage).
    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    await expect(page.locator('#record-status')).toHaveText('Recording: 1 envelope sent.');
    await expect(page.locator('#record')).toHaveAttribute('aria-pressed', 'true');
    await page.selectOption('#inject-kind', { label: 'Slash command' });
    await page.fill('#inject-command', '/echo');
    await inject(page, 'Slash command', { text: `ping ${vp.name}`, to: 'bot' });
    await acked(acks0 + 2);
    // One to the page: not the bot's, left out of the test.
    await inject(page, 'Message', { text: 'for the page', to: 'page' });
    await acked(acks0 + 3);
    await expect.poll(() => sim.apiCalls.filter((c) => String(c.args['text']).endsWith(vp.name)).length).toBe(2);
    await page.click('#record');
    await expect(page.locator('#record-status')).toHaveText('Recorded 3 envelopes.');

    const dir = join(root, 'test-results', `panel-session-${vp.width}`);
    mkdirSync(dir, { recursive: true });
    const names = await exportTest(page, dir);
    if (!(await page.locator('#record-status').innerText()).includes(': 2 steps')) {
      const fx = JSON.parse(readFileSync(join(dir, names.fixture), 'utf8'));
      const pageIds = await page.evaluate(() =>
        [...(window as any).__devpanel.session.sockets.values()].map((s: any) => [s.id, s.simConnectionId]),
      );
      const rec = await page.evaluate(() => sessionStorage.getItem('devpanel.recording'));
      console.log(
        'DIAG',
        JSON.stringify({
          steps: fx.steps.map((x: any) => x.envelope.envelope_id),
          pageIds,
          rec: JSON.parse(rec!).sent.map((x: any) => [x.envelope.envelope_id, x.how, x.connectionId]),
          deliveries: sim.deliveries.slice(-6).map((d: any) => [d.envelope_id, d.connectionId]),
        }),
      );
    }
    await expect(page.locator('#record-status')).toContainText(`Exported ${names.test} and ${names.fixture}: 2 steps`);
    await expect(page.locator('#record-status')).toContainText('1 envelope left out');
    await page.locator('#recorder').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/session-export-${vp.width}.png` });

    const fixture = JSON.parse(readFileSync(join(dir, names.fixture), 'utf8'));
    expect(fixture.steps.map((s: any) => s.envelope.type)).toEqual(['events_api', 'slash_commands']);
    expect(fixture.steps[1].ack).toEqual({ payload: { text: `echo: ping ${vp.name}` } });
    expect(fixture.steps.flatMap((s: any) => s.apiCalls.map((c: any) => `${c.method} ${c.args.text}`))).toEqual([
      `chat.postMessage echo: <@U0BOT> hi ${vp.name}`,
      `chat.postMessage echo: ping ${vp.name}`,
    ]);
    expect(readFileSync(join(dir, names.test), 'utf8')).toContain(`./${names.fixture}`);

    // The downloaded file, run as a user runs it (its own vitest; the package name mapped to this repo's source).
    const config = join(dir, 'vitest.config.mjs');
    writeFileSync(
      config,
      `export default { resolve: { alias: { 'socket-mode-anywhere/simulator': ${JSON.stringify(join(root, 'src/simulator/index.ts'))} } } };\n`,
    );
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', config, names.test],
      { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', CI: '1' } },
    );
    expect(`${run.stdout}\n${run.stderr}`).toContain('1 passed');
    expect(run.status).toBe(0);
  });
}
