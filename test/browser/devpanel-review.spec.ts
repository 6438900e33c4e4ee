// Review findings on the browser dev panel, each a regression test: the built page (vite build) served by
// startDevPanel, the real simulator, Chromium driving the page (as test/browser/devpanel.spec.ts).
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { buildPanelPage } from './panel-build.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';
import { SocketModeClient } from '../../src/platform/node.ts';

let sim: Simulator;
let panel: DevPanel;
let outDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  outDir = buildPanelPage('devpanel-review-build');
  sim = await startSimulator({ refreshWarningLeadMs: 600, refreshCloseDelayMs: 400 });
  panel = await startDevPanel({ simulator: sim, staticDir: outDir });
});

test.afterAll(async () => {
  await panel?.close();
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test.use({ viewport: { width: 1366, height: 800 } });

async function openPanel(page: Page, url = panel.url): Promise<string> {
  await page.goto(url);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  let id = '';
  await expect.poll(async () => {
    id = await page.evaluate(() => (window as any).__devpanel.session.liveSockets()[0]?.simConnectionId ?? '');
    return id;
  }).toMatch(/^conn-\d+$/);
  return id;
}

async function inject(page: Page, kindLabel: string, opts: { text?: string; to?: 'page' | 'bot' | 'any' } = {}): Promise<void> {
  await page.selectOption('#inject-kind', { label: kindLabel });
  if (opts.text !== undefined) await page.fill('#inject-text', opts.text);
  await page.selectOption('#deliver-to', opts.to ?? 'page');
  await page.click('#inject-send');
}

/** Inject in manual mode and wait until it is the pending envelope in the detail. Returns its envelope_id. */
async function injectPending(page: Page, kindLabel: string, text: string): Promise<string> {
  const before = await page.locator('.env-row').count();
  await inject(page, kindLabel, { text });
  await expect(page.locator('.env-row')).toHaveCount(before + 1);
  const id = (await page.locator('.env-row').first().getAttribute('data-envelope-id'))!;
  await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', 'pending');
  return id;
}

/** Raw HTTP/1.1 exchange: what fetch() cannot send (a request-target that is no URL). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

test('server: a request-target that is no URL gets a 400; the panel server stays up', async () => {
  // Before: `new URL(req.url)` threw inside the request listener, an uncaught exception that ends `npm start`.
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    for (const target of ['http://[', 'http://a:b@[::1']) {
      const res = await rawRequest(panel.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(res.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    }
    expect(uncaught).toEqual([]);
    expect((await fetch(`${panel.url}healthz`)).status).toBe(200);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('simulator: a WebSocket upgrade (the panel feed) to a request-target that is no URL gets a 400; it stays up', async () => {
  // Before: the upgrade listener threw, an uncaught exception that ends `npm start` (simulator and panel alike).
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const res = await rawRequest(sim.port, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    expect(res.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(uncaught).toEqual([]);
    expect((await fetch(`${sim.url}/_sim/state`)).status).toBe(200);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('manual ack: a payload over 20 KB is refused, and the envelope can still be acked', async ({ page }) => {
  await openPanel(page);
  await page.uncheck('#auto-ack');
  const id = await injectPending(page, 'Slash command', 'big answer');
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(id);
  await page.fill('#ack-payload', JSON.stringify({ text: 'x'.repeat(25_000) }));
  await page.click('#send-ack');
  await expect(page.locator('#detail .ack-box')).toHaveAttribute('data-ack', 'failed');
  await expect(page.locator('#detail .ack-box')).toContainText('20480 bytes');
  // Nothing went out, and the client takes another ack for it: the page must still offer one.
  expect(sim.acks.some((a) => a.envelope_id === id)).toBe(false);
  await page.click('#send-empty-ack');
  const ack = await sim.waitForAck(id);
  expect(ack.payload).toBeUndefined();
  await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', /^(acked|late)$/);
  await expect(page.locator('#detail .ack-box .json-tree')).toContainText(`"envelope_id": "${id}"`);
});

test('manual ack: switching back to auto-ack acks what waits, also after the stream was cleared', async ({ page }) => {
  await openPanel(page);
  await page.uncheck('#auto-ack');
  const id = await injectPending(page, 'Message', 'waiting, then cleared');
  await page.click('text=Clear');
  await expect(page.locator('.env-row')).toHaveCount(0);
  await page.check('#auto-ack');
  const ack = await sim.waitForAck(id);
  expect(ack.duplicate).toBe(false);
});

test('manual ack: a pending envelope turns "missed" even when the page stalled past the deadline', async ({ page }) => {
  // A background tab's timers (throttled to one a minute), a debugger pause or a long task: the deadline sweep
  // runs late. Before: it skipped every envelope older than 4 deadlines, so this one stayed "pending" for good.
  await openPanel(page);
  await page.uncheck('#auto-ack');
  const id = await injectPending(page, 'Message', 'nobody acks me');
  await page.evaluate(() => {
    const end = performance.now() + 13_000; // > 4 × the 3 s deadline
    while (performance.now() < end) { /* the page is busy */ }
  });
  await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', 'missed');
  await expect(page.locator('[data-stat="missed"]')).not.toHaveText('0');
});

test('simulator stopped under the panel: no connection is shown live; back when it restarts', async ({ page }) => {
  let own = await startSimulator();
  const port = own.port;
  // Described, not handed over: the panel outlives this simulator (as with a simulator in another process).
  const p = await startDevPanel({ simulator: { url: own.url, apiUrl: own.apiUrl, appToken: own.appToken }, staticDir: outDir });
  try {
    const connId = await openPanel(page, p.url);
    await expect(page.locator('#sim-conns')).toContainText(`${connId} (page) live`);
    await own.close();
    await expect(page.locator('#feed-status')).toHaveText('reconnecting…');
    await expect(page.locator('#sim-conns')).not.toContainText('live');
    own = await startSimulator({ port });
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(page.locator('#sim-conns')).toContainText('(page) live', { timeout: 10_000 });
  } finally {
    await p.close();
    await own.close();
  }
});

test('replay "to this page" with no live page connection is refused, not sent to another connection (the bot)', async ({ page }) => {
  const bot = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, logLevel: 'error' });
  bot.on('slack_event', ({ ack }: any) => void ack());
  await bot.start();
  try {
    await page.goto(`${panel.url}?autoconnect=0`);
    await expect(page.locator('#sim-conns')).toContainText('live'); // the bot's connection
    const file = join(outDir, 'replay-to-page.json');
    writeFileSync(file, JSON.stringify([{ type: 'events_api', payload: { type: 'event_callback', event: { type: 'message', text: 'for the page only' } } }]));
    sim.resetStats();
    await page.selectOption('#deliver-to', 'page');
    await page.setInputFiles('#import-file', file);
    await expect(page.locator('#toasts')).toContainText('no live simulator connection');
    expect(sim.deliveries).toEqual([]);
  } finally {
    await bot.disconnect();
  }
});
