// Issue 20, items 1 and 3, in Chromium: the bot's side first-class (every envelope to any connection is a row to
// open: full JSON, the ack frame the simulator read, latency, the retry chain, what the bot did; filter by
// connection; export), "Deliver to" defaulting to the bot, and no ghost warning for connections the dev setup
// opened. Real simulator, the built page, a bot client in this process opened with the token labeled 'bot' (as
// `npm start` runs the example bot). Screenshots in test-results/devpanel-bot-side/.
import { readFileSync, rmSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { buildPanelPage } from './panel-build.ts';
import { openPanel } from './panel-page.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';
import { SocketModeClient, callApi } from '../../src/platform/node.ts';

const SHOTS = 'test-results/devpanel-bot-side';
let sim: Simulator;
let panel: DevPanel;
let outDir: string;
let bot: SocketModeClient;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

test.beforeAll(async () => {
  outDir = buildPanelPage('devpanel-bot-side-build');
  // One immediate retry of a missed event, so a retry chain shows without waiting a minute.
  sim = await startSimulator({ redeliveryDelaysMs: [0] });
  // The example echo bot's handlers (examples/node/echo-bot.mjs), with the token `npm start` gives it.
  bot = new SocketModeClient({ appToken: sim.appTokenFor('bot'), apiUrl: sim.apiUrl, logLevel: 'error' as never });
  bot.on('app_mention', async ({ ack, event }) => {
    await ack();
    const e = event as unknown as { channel: string; text: string };
    await callApi(
      'chat.postMessage',
      { channel: e.channel, text: `echo: ${e.text}` },
      { token: sim.botToken, apiUrl: sim.apiUrl },
    );
  });
  bot.on('slash_commands', async ({ ack, body }) => {
    await ack({ text: `echo: ${String((body as { text?: string }).text)}` });
  });
  await bot.start();
  panel = await startDevPanel({ simulator: sim, staticDir: outDir });
});

test.afterAll(async () => {
  await panel?.close();
  await bot?.disconnect();
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** A connection of "another process": the main app token (not the dev setup's), never acking. */
async function silentProcess(): Promise<{ ws: WebSocket; id: string }> {
  const open = (await callApi('apps.connections.open', {}, { token: sim.appToken, apiUrl: sim.apiUrl })) as unknown as {
    url: string;
  };
  const ws = new WebSocket(open.url);
  const host = await new Promise<string>((resolve) =>
    ws.on('message', (d) => {
      const f = JSON.parse(String(d)) as { type: string; debug_info?: { host?: string } };
      if (f.type === 'hello') resolve(f.debug_info?.host ?? '');
    }),
  );
  return { ws, id: `conn-${/(\d+)$/.exec(host)![1]}` };
}

function consoleWarnings(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') lines.push(m.text());
  });
  return lines;
}

async function minTarget(page: Page, selector: string): Promise<number> {
  const box = (await page.locator(selector).first().boundingBox())!;
  return Math.min(box.width, box.height);
}

test('the bot is the default target; every delivery is a row with its ack, latency and what the bot did', async ({
  page,
}) => {
  const warnings = consoleWarnings(page);
  await openPanel(page, panel.url);
  // D6: Slack counts 2 (the bot + the page), both the dev setup's: no ghost warning; the timeline says whose.
  await expect(page.locator('#timeline')).toContainText('dev setup: 1 other');
  expect(warnings.filter((w) => /ghost/.test(w))).toEqual([]);

  // D2: "Deliver to" starts on the bot.
  await expect(page.locator('#deliver-to')).toHaveValue('bot');
  await page.selectOption('#inject-kind', 'app_mention');
  await page.fill('#inject-text', 'hello from the panel');
  await page.click('#inject-send');
  await expect.poll(() => sim.apiCalls.length).toBe(1);
  // The page received nothing: it went to the bot.
  await expect(page.locator('#env-list .env-row')).toHaveCount(0);

  await page.click('#tab-all');
  const rows = page.locator('#all-list .all-row');
  await expect(rows).toHaveCount(1);
  const row = rows.first();
  await expect(row).toHaveAttribute('data-who', 'bot');
  await expect(row).toHaveAttribute('data-ack', 'acked');
  await expect(row).toContainText('1 call');
  const id = (await row.getAttribute('data-envelope-id'))!;
  expect(id).toBe(sim.deliveries[0]!.envelope_id);

  await row.click();
  const detail = page.locator('#detail .delivery-detail');
  await expect(detail.locator('[data-field="envelope_id"]')).toHaveText(id); // in full: a 36-character uuid
  expect(id).toHaveLength(36);
  await expect(detail.locator('[data-field="status"]')).toHaveText('acked');
  await expect(detail.locator('[data-field="sim-ack"]')).toContainText('Read by the simulator at');
  await expect(detail.locator('[data-field="sim-ack"]')).toContainText('(the bot)');
  await expect(detail.locator('[data-field="connection"]')).toContainText('(the bot)');
  await expect(detail).toContainText(`"envelope_id": "${id}"`); // the ack frame as read, and the envelope JSON
  await expect(detail.locator('[data-field="actions"] .reply')).toHaveCount(1);
  await expect(detail.locator('[data-field="actions"] .reply')).toHaveAttribute('data-kind', 'chat.postMessage');
  await expect(detail.locator('[data-field="linked-by"]')).toContainText('linked by time');
  await expect(detail.getByRole('button', { name: 'Copy envelope_id' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/every-connection-1280.png` });

  // A slash command's ack payload, as the simulator read it.
  await page.selectOption('#inject-kind', 'slash_command');
  await page.fill('#inject-text', 'hi');
  await page.click('#inject-send');
  await expect(rows).toHaveCount(2);
  await rows.first().click();
  await expect(detail.locator('[data-field="sim-ack"]')).toContainText('Read by the simulator');
  await expect(detail).toContainText('"text": "echo: hi"');

  // Keyboard: focus the newest row, arrow down to the older one, and it opens.
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(detail.locator('[data-field="envelope_id"]')).toHaveText(id);
  await expect(rows.nth(1)).toBeFocused();

  // The simulator feed's lines open the same delivery.
  await page.click('#tab-feed');
  await page
    .locator(`#feed-list .e-delivery`)
    .filter({ hasText: id })
    .getByRole('button', { name: `Open envelope ${id}` })
    .click();
  await expect(detail.locator('[data-field="envelope_id"]')).toHaveText(id);
  await page.click('#tab-all');

  // Accessible names and target sizes of the new controls.
  for (const sel of [
    '#tab-all',
    '#all-filter-conn',
    '#all-list .all-row',
    '#detail .chain-item, #detail .ghost.small',
  ]) {
    expect(await minTarget(page, sel)).toBeGreaterThanOrEqual(24);
    await expect(page.locator(sel).first()).toHaveAccessibleName(/\S/);
  }
});

test('another process: a ghost warning for it alone; its missed envelope and the retry chain; filter; export', async ({
  page,
}) => {
  const other = await silentProcess();
  try {
    const warnings = consoleWarnings(page);
    const pageId = await openPanel(page, panel.url);
    await expect.poll(() => warnings.filter((w) => /1 ghost connection\(s\)/.test(w)).length).toBe(1);
    await expect(page.locator('#timeline')).toContainText('1 ghost');

    // Sent to the silent process: missed there, retried once (to any live connection).
    const env = sim.inject('app_mention', { text: 'nobody answers' }, { connectionId: other.id });
    await expect
      .poll(() => sim.deliveries.filter((d) => d.event_id === env.payload['event_id']).length, { timeout: 10_000 })
      .toBe(2);
    await page.click('#tab-all');
    const first = page.locator(`#all-list .all-row[data-envelope-id="${env.envelope_id}"]`);
    await expect(first).toHaveAttribute('data-ack', 'missed');
    await expect(first).toHaveAttribute('data-who', 'other');
    await first.click();
    const detail = page.locator('#detail .delivery-detail');
    await expect(detail.locator('[data-field="sim-ack"]')).toContainText('missed');
    await expect(detail.locator('[data-field="chain"] li')).toHaveCount(2);
    await expect(detail.locator('[data-field="chain"] li').nth(1)).toContainText('#1');
    await detail.locator('[data-field="chain"] button').nth(1).click();
    await expect(detail.locator('[data-field="envelope_id"]')).not.toHaveText(env.envelope_id);
    await page.screenshot({ path: `${SHOTS}/retry-chain-1280.png` });

    // Filter by connection: the other process's rows only, then this page's (none sent to it yet).
    const all = await page.locator('#all-list .all-row').count();
    await page.selectOption('#all-filter-conn', other.id);
    await expect(page.locator('#all-list li:not([hidden]) .all-row')).toHaveCount(
      sim.deliveries.filter((d) => d.connectionId === other.id).length,
    );
    await page.selectOption('#all-filter-conn', 'bot');
    await expect(page.locator('#all-list li:not([hidden]) .all-row')).toHaveCount(
      sim.deliveries.filter((d) => sim.connections().find((c) => c.id === d.connectionId)?.label === 'bot').length,
    );
    await page.selectOption('#all-filter-conn', '');
    await expect(page.locator('#all-list li:not([hidden]) .all-row')).toHaveCount(all);

    // Export: every connection's side is in it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const doc = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      all_connections: { deliveries: Array<Record<string, any>> };
    };
    const list = doc.all_connections.deliveries;
    expect(list).toHaveLength(sim.deliveries.length);
    const botRow = list.find((d) => d['connection_label'] === 'bot' && d['actions'].length === 1)!;
    expect(botRow['ack_status']).toBe('acked');
    expect(botRow['acks'][0]['frame']).toEqual({ envelope_id: botRow['envelope_id'] });
    expect(botRow['actions'][0]).toMatchObject({ kind: 'chat.postMessage', linked_by: 'time', ok: true });
    expect(botRow['envelope']['envelope_id']).toBe(botRow['envelope_id']);
    const missedRow = list.find((d) => d['envelope_id'] === env.envelope_id)!;
    expect(missedRow).toMatchObject({ ack_status: 'missed', connection_id: other.id, retry_attempt: 0 });
    expect(pageId).toMatch(/^conn-\d+$/);
  } finally {
    other.ws.terminate();
  }
});

test('on a phone (390×844) the every-connection rows open too', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openPanel(page, panel.url);
  await page.click('#tab-all');
  const rows = page.locator('#all-list .all-row');
  await expect(rows).toHaveCount(sim.deliveries.length);
  await rows.last().scrollIntoViewIfNeeded();
  expect(await minTarget(page, '#all-list .all-row')).toBeGreaterThanOrEqual(24);
  await rows.last().click();
  await expect(page.locator('#detail .delivery-detail [data-field="envelope_id"]')).toHaveText(
    (await rows.last().getAttribute('data-envelope-id'))!,
  );
  await page.locator('#detail').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/every-connection-390.png`, fullPage: false });
});
