// The dev panel's health block, end to end: the built page served by startDevPanel, the real simulator, a bot
// client in this process serving createHealthHandler() on node:http (as the CLI's example bot does), Chromium
// driving the page. Screenshots land in test-results/devpanel-health/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { buildPanelPage } from './panel-build.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';
import { SocketModeClient, createHealthHandler, toNodeListener } from '../../src/platform/node.ts';

const SHOTS = 'test-results/devpanel-health';
let sim: Simulator;
let panel: DevPanel;
let outDir: string;
let bot: SocketModeClient;
let healthServer: Server;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1366, height: 800 } });

test.beforeAll(async () => {
  outDir = buildPanelPage('devpanel-health-build');
  sim = await startSimulator();
  bot = new SocketModeClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    logLevel: 'error' as never,
    backoff: { initialMs: 100, maxMs: 300 },
  });
  bot.on('slack_event', ({ ack }) => ack());
  await bot.start();
  healthServer = createServer(toNodeListener(createHealthHandler(bot)));
  await new Promise<void>((r) => healthServer.listen(0, '127.0.0.1', r));
  const botHealthUrl = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}/healthz`;
  panel = await startDevPanel({ simulator: sim, staticDir: outDir, botHealthUrl });
});

test.afterAll(async () => {
  await panel?.close();
  await bot?.disconnect();
  await new Promise((r) => healthServer?.close(r));
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('the panel shows ok with 1 live connection for the page and the bot; after a drop the reconnect appears', async ({
  page,
}) => {
  await page.goto(panel.url);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  for (const key of ['page', 'bot']) {
    const card = page.locator(`#health-${key}`);
    await expect(card.locator('[data-field="status"]')).toHaveText('ok');
    await expect(card.locator('[data-field="live"]')).toHaveText('1 / 1');
    await expect(card.locator('[data-field="acks"]')).toHaveText('0');
    await expect(card.locator('[data-field="reconnect"]')).toHaveText('none');
    await expect(card.locator('[data-conn]')).toHaveCount(1);
    await expect(card.locator('[data-conn]')).toContainText(/last frame .* ago/);
  }
  await page.locator('#health').screenshot({ path: `${SHOTS}/01-ok.png` });

  // The relay answers as the bot's own handler does: 200 with the report, no token, never cached.
  const res = await fetch(`${panel.url}bot-health`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).not.toMatch(/xapp-|xoxb-/);
  expect(JSON.parse(text)).toMatchObject({ status: 'ok', ready: true, liveConnections: 1 });

  // A drop on every connection (abrupt TCP close): both clients reconnect, and say why.
  await page.selectOption('#fault-target', 'all');
  await page.click('#fault-drop');
  for (const key of ['page', 'bot']) {
    const card = page.locator(`#health-${key}`);
    await expect(card.locator('[data-field="reconnect"]')).toContainText(/closed/, { timeout: 15_000 });
    await expect(card.locator('[data-field="status"]')).toHaveText('ok', { timeout: 15_000 });
  }
  await page.screenshot({ path: `${SHOTS}/02-after-drop.png` });
  await page.locator('#health').screenshot({ path: `${SHOTS}/03-health-after-drop.png` });
});

test('a bot that is not ready, then not running: the card says so, and the page logs no console error', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(panel.url);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  const card = page.locator('#health-bot');
  await expect(card.locator('[data-field="status"]')).toHaveText('ok');
  // The relay for a probe keeps the bot's status; the page's poll gets it aside (x-probe-status), with a 200.
  await bot.disconnect();
  await expect.poll(async () => (await fetch(`${panel.url}bot-health`)).status).toBe(503);
  const relayed = await fetch(`${panel.url}bot-health?as=page`);
  expect(relayed.status).toBe(200);
  expect(relayed.headers.get('x-probe-status')).toBe('503');
  await expect(card.locator('[data-field="status"]')).not.toHaveText('ok');
  await expect(card).toHaveAttribute('data-status', /^(down|degraded)$/);
  // Not running at all (dev restarting it): said in words.
  await new Promise((r) => healthServer.close(r));
  await expect(card).toContainText('bot not reachable');
  expect((await fetch(`${panel.url}bot-health`)).status).toBe(502);
  await page.locator('#health').screenshot({ path: `${SHOTS}/04-bot-down.png` });
  expect(errors).toEqual([]);
});
