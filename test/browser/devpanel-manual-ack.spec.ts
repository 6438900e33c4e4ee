// The dev panel's manual ack: refusals, switching back to auto-ack, the deadline sweep. The built page (vite build)
// served by startDevPanel, the real simulator, Chromium driving the page (as test/browser/devpanel.spec.ts).
import { test, expect } from '@playwright/test';
import { servePanel } from './panel-build.ts';
import { injectPending, openPanel } from './panel-page.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { DevPanel } from '../../src/devpanel/server.ts';

const served = servePanel('devpanel-manual-ack-build');
let sim: Simulator;
let panel: DevPanel;
let outDir: string;
test.beforeAll(() => void ({ sim, panel, outDir } = served));

// Pins a past defect: an ack over 20 KB failed in a way that left the envelope with no ack to offer.
test('manual ack: a payload over 20 KB is refused, and the envelope can still be acked', async ({ page }) => {
  await openPanel(page, panel.url);
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

// Pins a past defect: switching back to auto-ack did not ack an envelope once the stream was cleared.
test('manual ack: switching back to auto-ack acks what waits, also after the stream was cleared', async ({ page }) => {
  await openPanel(page, panel.url);
  await page.uncheck('#auto-ack');
  const id = await injectPending(page, 'Message', 'waiting, then cleared');
  await page.click('text=Clear');
  await expect(page.locator('.env-row')).toHaveCount(0);
  await page.check('#auto-ack');
  const ack = await sim.waitForAck(id);
  expect(ack.duplicate).toBe(false);
});

// Pins a past defect: the late deadline sweep skipped old envelopes, which stayed "pending" for good.
test('manual ack: a pending envelope turns "missed" even when the page stalled past the deadline', async ({ page }) => {
  // A background tab's timers (throttled to one a minute), a debugger pause or a long task: the deadline sweep
  // runs late. Before: it skipped every envelope older than 4 deadlines, so this one stayed "pending" for good.
  await openPanel(page, panel.url);
  await page.uncheck('#auto-ack');
  const id = await injectPending(page, 'Message', 'nobody acks me');
  await page.evaluate(() => {
    const end = performance.now() + 13_000; // > 4 × the 3 s deadline
    while (performance.now() < end) {
      /* the page is busy */
    }
  });
  await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', 'missed');
  await expect(page.locator('[data-stat="missed"]')).not.toHaveText('0');
});
