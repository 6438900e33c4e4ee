// Issue 20, items 2 and 3 (D1, D3), in Chromium: a row says "acked" only once the simulator read the ack; an ack
// written into a half-open socket is "unconfirmed", then "missed" at the simulator's 3 s deadline; the badge turns
// to a warning and "Replace connection" brings a heard socket back (make-before-break); "Link disabled" then
// "Re-enable link" brings the page back. Screenshots in test-results/devpanel-truthful-acks/.
import { rmSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { buildPanelPage } from './panel-build.ts';
import { inject, openPanel, pageConnectionId } from './panel-page.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';

const SHOTS = 'test-results/devpanel-truthful-acks';
let sim: Simulator;
let panel: DevPanel;
let outDir: string;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

test.beforeAll(async () => {
  outDir = buildPanelPage('devpanel-truthful-acks-build');
  sim = await startSimulator({ redeliveryDelaysMs: [] });
  panel = await startDevPanel({ simulator: sim, staticDir: outDir });
});

test.afterAll(async () => {
  await panel?.close();
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** The newest row of the page's stream once it has `n` rows. */
async function newestRow(page: Page, n: number) {
  await expect(page.locator('#env-list .env-row')).toHaveCount(n);
  return page.locator('#env-list .env-row').first();
}

test('acked only when the simulator read it; half-open: unconfirmed, then missed; warning; replace', async ({
  page,
}) => {
  const first = await openPanel(page, panel.url);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected');

  // A heard socket: the row turns acked once the simulator's feed reports the ack; the detail says so.
  await inject(page, 'Message', { text: 'heard', to: 'page' });
  const ok = await newestRow(page, 1);
  await expect(ok).toHaveAttribute('data-ack', 'acked');
  await ok.click();
  await expect(page.locator('#detail [data-field="sim-confirm"]')).toContainText(
    'Confirmed: the simulator read the ack',
  );
  expect(sim.acks.filter((a) => a.connectionId === first && !a.duplicate)).toHaveLength(1);

  // Half-open: the client still writes acks; the simulator reads none.
  await page.click('#fault-half-open');
  await expect.poll(() => sim.connections().find((c) => c.id === first)?.state).toBe('half-open');
  await inject(page, 'Message', { text: 'into a dead socket', to: 'page' });
  const row = await newestRow(page, 2);
  const id = (await row.getAttribute('data-envelope-id'))!;
  await expect(row).toHaveAttribute('data-ack', 'sent');
  await expect(row.locator('.c-ack')).toContainText('unconfirmed');
  // The badge: a warning as soon as the simulator reports the socket half-open, with the way out offered.
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'warning');
  await expect(page.locator('#status')).toContainText('half-open');
  await expect(page.getByRole('button', { name: 'Replace connection' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/unconfirmed-warning-1280.png` });

  // The simulator's deadline passes: missed, never "acked".
  await expect(row).toHaveAttribute('data-ack', 'missed', { timeout: 10_000 });
  expect(sim.missedDeadlines().map((m) => m.envelope_id)).toContain(id);
  expect(sim.acks.some((a) => a.envelope_id === id)).toBe(false);
  await row.click();
  await expect(page.locator('#detail [data-field="sim-confirm"]')).toContainText('Unconfirmed, then missed');
  await page.screenshot({ path: `${SHOTS}/missed-1280.png` });

  // Replace: a new connection first, then the half-open one is retired; the badge is connected again.
  const box = (await page.locator('#replace-conn').boundingBox())!;
  expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(24);
  await page.click('#replace-conn');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await expect(page.locator('#replace-conn')).toBeHidden();
  const second = await pageConnectionId(page);
  expect(second).not.toBe(first);
  await expect(page.locator('#timeline')).toContainText('replaced_from_panel');
  await inject(page, 'Message', { text: 'heard again', to: 'page' });
  const again = await newestRow(page, 3);
  await expect(again).toHaveAttribute('data-ack', 'acked');
  expect(sim.acks.filter((a) => a.connectionId === second && !a.duplicate)).toHaveLength(1);
});

test('Link disabled, then Re-enable link: the page connects again by itself', async ({ page }) => {
  const before = await openPanel(page, panel.url);
  await page.click('#fault-link-disabled');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#status')).toContainText('link_disabled');
  await page.click('#fault-link-enabled');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  const after = await pageConnectionId(page);
  expect(after).not.toBe(before);
  expect(
    sim
      .connections()
      .filter((c) => c.state === 'live')
      .map((c) => c.id),
  ).toEqual([after]);
});

test('on a phone (390×844): the warning badge and its Replace button fit and work', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const first = await openPanel(page, panel.url);
  await page.click('#fault-half-open');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'warning');
  const btn = page.getByRole('button', { name: 'Replace connection' });
  await page.evaluate(() => window.scrollTo(0, 0)); // the fault buttons are further down; the badge is at the top
  await expect(btn).toBeInViewport();
  const box = (await btn.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(24);
  await page.screenshot({ path: `${SHOTS}/warning-390.png` });
  await btn.click();
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  expect(await pageConnectionId(page)).not.toBe(first);
});
