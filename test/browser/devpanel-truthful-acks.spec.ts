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
const FINAL = 'test-results/devpanel-issue20-final';
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

/** The shown envelope's ack box while the simulator has not read its ack: no client latency next to the pill. */
async function expectUnconfirmedDetail(page: Page): Promise<void> {
  await expect(page.locator('#detail [data-field="ack-pill"]')).toHaveText('unconfirmed');
  await expect(page.locator('#detail [data-field="ack-after"]')).toHaveText(
    /^ — sent \d+ ms ago, not read by the simulator$/,
  );
  await expect(page.locator('#detail [data-field="ack-written"]')).toContainText(
    "This page's client: written to the socket after",
  );
}

/** The page's health card: the client's report (ok) and, apart and first, the simulator's view. */
async function expectHealthDisagrees(page: Page): Promise<void> {
  const card = page.locator('#health-page');
  await expect(card).toHaveAttribute('data-sim', 'warning');
  await expect(card.locator('[data-field="sim-status"]')).toHaveText('not heard (simulator)');
  await expect(card.locator('[data-field="sim"]')).toContainText(/half-open \(simulator\)|acks unconfirmed/);
  await expect(card.locator('[data-field="status"]')).toHaveText('ok');
}

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
  // The pill and its time are the simulator's; the client's write is a second line, labelled.
  await expect(page.locator('#detail [data-field="ack-pill"]')).toHaveText('acked');
  await expect(page.locator('#detail [data-field="ack-after"]')).toHaveText(/^ after [\d.]+ ms \(simulator\)$/);
  await expect(page.locator('#detail [data-field="ack-written"]')).toContainText(
    "This page's client: written to the socket after",
  );
  await expect(page.locator('#health-page')).not.toHaveAttribute('data-sim', 'warning');
  expect(sim.acks.filter((a) => a.connectionId === first && !a.duplicate)).toHaveLength(1);
  // The stats' ack latency is the simulator's too (the row shows the same figure).
  const heardLatency = await ok.locator('.c-ack').innerText();
  await expect(page.locator('[data-stat="p50"]')).toHaveText(heardLatency);

  // Half-open: the client still writes acks; the simulator reads none.
  await page.click('#fault-half-open');
  await expect.poll(() => sim.connections().find((c) => c.id === first)?.state).toBe('half-open');
  await inject(page, 'Message', { text: 'into a dead socket', to: 'page' });
  const row = await newestRow(page, 2);
  const id = (await row.getAttribute('data-envelope-id'))!;
  await expect(row).toHaveAttribute('data-ack', 'sent');
  await expect(row.locator('.c-ack')).toContainText('unconfirmed');
  // Its detail: unconfirmed, sent so long ago, not read by the simulator; the client's write time labelled apart.
  await row.click();
  await expectUnconfirmedDetail(page);
  // The stats count no latency for an ack the simulator never read: still the one heard ack's.
  await expect(page.locator('[data-stat="p50"]')).toHaveText(heardLatency);
  await expect(page.locator('[data-stat="p95"]')).toHaveText(heardLatency);
  // The badge: a warning as soon as the simulator reports the socket half-open, with the way out offered.
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'warning');
  await expect(page.locator('#status')).toContainText('half-open');
  await expect(page.getByRole('button', { name: 'Replace connection' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/unconfirmed-warning-1280.png` });
  // The health card: the client still reports ok; the simulator's view is shown beside it (D1 gone there too).
  await expectHealthDisagrees(page);
  await page.screenshot({ path: `${FINAL}/unconfirmed-health-1280.png` });

  // The simulator's deadline passes: missed, never "acked".
  await expect(row).toHaveAttribute('data-ack', 'missed', { timeout: 10_000 });
  expect(sim.missedDeadlines().map((m) => m.envelope_id)).toContain(id);
  expect(sim.acks.some((a) => a.envelope_id === id)).toBe(false);
  await row.click();
  await expect(page.locator('#detail [data-field="sim-confirm"]')).toContainText('Unconfirmed, then missed');
  await expect(page.locator('#detail [data-field="ack-pill"]')).toHaveText('missed');
  await expect(page.locator('#detail [data-field="ack-after"]')).toContainText('(3 s deadline passed');
  await expect(page.locator('#detail .ack-box h3')).not.toContainText('ms');
  await page.screenshot({ path: `${SHOTS}/missed-1280.png` });
  await page.locator('#detail').screenshot({ path: `${FINAL}/ack-missed-1280.png` });

  // Replace: a new connection first, then the half-open one is retired; the badge is connected again.
  const box = (await page.locator('#replace-conn').boundingBox())!;
  expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(24);
  await page.click('#replace-conn');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await expect(page.locator('#replace-conn')).toBeHidden();
  await expect(page.locator('#health-page')).not.toHaveAttribute('data-sim', 'warning');
  await expect(page.locator('#health-page [data-field="sim"]')).toHaveCount(0);
  const second = await pageConnectionId(page);
  expect(second).not.toBe(first);
  await expect(page.locator('#timeline')).toContainText('replaced_from_panel');
  await inject(page, 'Message', { text: 'heard again', to: 'page' });
  const again = await newestRow(page, 3);
  await expect(again).toHaveAttribute('data-ack', 'acked');
  expect(sim.acks.filter((a) => a.connectionId === second && !a.duplicate)).toHaveLength(1);

  // The retired half-open socket: closed by the client, still open on the simulator (it never saw the close). The
  // badge counts it no more ("connected", not "2 sockets"); after Link disabled / Re-enable link the next hello
  // counts it, and the panel says whose it is instead of warning of a ghost.
  await expect(page.locator('#status')).toHaveText('connected');
  expect(sim.connections().find((c) => c.id === first)?.state).toBe('half-open');
  await page.click('#fault-link-disabled');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  await page.click('#fault-link-enabled');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  const third = await pageConnectionId(page);
  expect(third).not.toBe(second);
  const tl = () =>
    page.evaluate(() =>
      ((window as any).__devpanel.session.timeline as Array<{ kind: string; label: string; detail?: string }>).map(
        (e) => `${e.kind}|${e.label}|${e.detail ?? ''}`,
      ),
    );
  await expect
    .poll(async () => (await tl()).filter((l) => l.includes("this page's, closed by its client")))
    .toHaveLength(1);
  expect((await tl()).filter((l) => /ghost/.test(l))).toEqual([]);
  await expect(page.locator('#status')).toHaveText('connected');
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
  // An envelope into the half-open socket: its detail and the health card tell the truth on a phone too.
  await inject(page, 'Message', { text: 'phone, dead socket', to: 'page' });
  const row = await newestRow(page, 1);
  await expect(row).toHaveAttribute('data-ack', 'sent');
  await row.click();
  await expectUnconfirmedDetail(page);
  await expectHealthDisagrees(page);
  await page.locator('#detail').screenshot({ path: `${FINAL}/ack-unconfirmed-390.png` });
  await page.locator('#health').screenshot({ path: `${FINAL}/health-disagrees-390.png` });
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
