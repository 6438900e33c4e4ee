// Issue 20 item 6: layout and polish, measured on the page (bounding boxes, texts, headers), at 1280×800 and
// 390×844: distinct, non-overlapping timeline axis labels (D4), the summary column's room (D8), toasts clear of
// the detail pane (D9), Refresh explains Slack's 10 s warning lead (D10), the phone's order and 24 px targets
// (D11), compressed script and CSS (D12), and the session kept across a reload. Screenshots in
// test-results/devpanel-issue20/.
import { request as httpRequest } from 'node:http';
import { test, expect, type Page } from '@playwright/test';
import { servePanel } from './panel-build.ts';
import { inject, openPanel, pageConnectionId } from './panel-page.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { DevPanel } from '../../src/devpanel/server.ts';

const SHOTS = 'test-results/devpanel-issue20';
const FINAL = 'test-results/devpanel-issue20-final';
const served = servePanel('devpanel-layout-build');
let sim: Simulator;
let panel: DevPanel;
test.beforeAll(() => void ({ sim, panel } = served));

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The timeline axis labels: texts and boxes, read at once (the axis is redrawn twice a second). */
function axisLabels(page: Page): Promise<Array<{ text: string; box: Box }>> {
  return page.locator('.tl-axis').evaluate((axis) =>
    [...axis.querySelectorAll('span')].map((s) => {
      const r = s.getBoundingClientRect();
      return { text: s.textContent ?? '', box: { x: r.x, y: r.y, width: r.width, height: r.height } };
    }),
  );
}

/** A raw GET (no decoding): status, headers and the bytes on the wire. */
function rawGet(url: string, acceptEncoding?: string) {
  return new Promise<{ headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
    const req = httpRequest(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ headers: res.headers, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const vp of [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test.describe(`${vp.name} ${vp.width}×${vp.height}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test('the timeline axis: distinct labels that do not overlap, in every window (D4); 24 px markers (D11)', async ({
      page,
    }) => {
      await openPanel(page, panel.url);
      for (const win of ['Auto', '1 min', '5 min', '15 min']) {
        await page.click(`.timeline .seg:text-is("${win}")`);
        await expect(page.locator(`.timeline .seg:text-is("${win}")`)).toHaveAttribute('aria-pressed', 'true');
        const labels = await axisLabels(page);
        const axis = (await page.locator('.tl-axis').boundingBox())!;
        expect(labels.length, win).toBeGreaterThanOrEqual(3);
        expect(new Set(labels.map((l) => l.text)).size, `${win}: ${labels.map((l) => l.text).join(' ')}`).toBe(
          labels.length,
        );
        expect(labels.at(-1)!.text).toBe('now');
        for (let i = 1; i < labels.length; i++)
          expect(
            overlaps(labels[i - 1]!.box, labels[i]!.box),
            `${win}: ${labels[i - 1]!.text} / ${labels[i]!.text}`,
          ).toBe(false);
        for (const l of labels) {
          expect(l.box.x, `${win} ${l.text}`).toBeGreaterThanOrEqual(axis.x - 1);
          expect(l.box.x + l.box.width, `${win} ${l.text}`).toBeLessThanOrEqual(axis.x + axis.width + 1);
        }
        if (win === '5 min') {
          expect(labels.map((l) => l.text)).toEqual(
            vp.width >= 1000 ? ['-5m', '-4m', '-3m', '-2m', '-1m', 'now'] : ['-4m', '-2m', 'now'],
          );
          await page.locator('.timeline').screenshot({ path: `${SHOTS}/axis-5min-${vp.width}.png` });
        }
      }
      // Every marker, and the Auto-ack checkbox, is at least a 24 × 24 px target.
      const marks = page.locator('.tl-mark');
      expect(await marks.count()).toBeGreaterThan(0);
      // Read in one pass: the timeline redraws as it runs, so a marker looked up one by one may be gone.
      const sizes = await marks.evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return { width: r.width, height: r.height };
        }),
      );
      for (const b of sizes) {
        expect(b.width).toBeGreaterThanOrEqual(24);
        expect(b.height).toBeGreaterThanOrEqual(24);
      }
      const cb = (await page.locator('#auto-ack').boundingBox())!;
      expect(cb.width).toBeGreaterThanOrEqual(24);
      expect(cb.height).toBeGreaterThanOrEqual(24);
      // A marker still answers a click (its caption), through its enlarged target's edge.
      const m = (await marks.first().boundingBox())!;
      await page.mouse.click(m.x + 2, m.y + m.height / 2);
      await expect(page.locator('.tl-caption')).not.toHaveText('Connection events appear here.');
    });

    test('stream and toasts: the summary gets the room (D8), toasts stay off the detail (D9), Refresh explains its lead (D10), the list comes first on a phone (D11)', async ({
      page,
    }) => {
      await openPanel(page, panel.url);
      const long = 'a summary long enough to need the room the event column does not';
      for (let i = 0; i < 3; i++) await inject(page, 'Message', { text: `${long} ${i}` });
      await expect(page.locator('.env-row')).toHaveCount(3); // all in: the first row is the newest for good
      const row = page.locator('.env-row').first();
      await row.click();
      await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(
        (await row.getAttribute('data-envelope-id'))!,
      );
      if (vp.width >= 1000) {
        const summary = (await row.locator('.c-summary').boundingBox())!;
        const event = (await row.locator('.c-event').boundingBox())!;
        expect(summary.width).toBeGreaterThanOrEqual(200);
        expect(summary.width).toBeGreaterThan(event.width * 2);
      } else {
        // The list is on the first screen, right under the top bar; its first row too.
        const tab = (await page.locator('#tab-stream').boundingBox())!;
        expect(tab.y).toBeLessThan(200);
        const first = (await row.boundingBox())!;
        expect(first.y + first.height).toBeLessThanOrEqual(vp.height);
        // The detail follows the list, before the simulator's controls.
        const detail = (await page.locator('#detail').boundingBox())!;
        const controls = (await page.locator('#sim-controls').boundingBox())!;
        expect(detail.y).toBeGreaterThan(first.y);
        expect(detail.y).toBeLessThan(controls.y);
      }
      // D9: a message (the detail's Copy: its toast says so) is up now, shown and announced: it covers neither the
      // detail nor the envelope list (laptop: bottom left over the simulator column; phone: a line of its own).
      await page.locator('#detail .json-box button:text-is("Copy")').click();
      await expect(page.locator('#toasts')).toHaveAttribute('aria-live', 'polite');
      const shown = page.locator('.toast:visible');
      await expect(shown.last()).toContainText(/copied|Clipboard not available/);
      const detail = (await page.locator('#detail').boundingBox())!;
      const list = (await page.locator('#stream-panel').boundingBox())!;
      for (let i = 0; i < (await shown.count()); i++) {
        const t = (await shown.nth(i).boundingBox())!;
        expect(overlaps(t, detail), `toast ${i} over the detail`).toBe(false);
        expect(overlaps(t, list), `toast ${i} over the list`).toBe(false);
      }
      // The same after scrolling the detail into view (the phone's page scrolls; a fixed toast would lie over it).
      await page.locator('#detail').scrollIntoViewIfNeeded();
      await page.locator('#detail .json-box button:text-is("Copy")').click();
      const detail2 = (await page.locator('#detail').boundingBox())!;
      for (let i = 0; i < (await shown.count()); i++)
        expect(overlaps((await shown.nth(i).boundingBox())!, detail2), `toast ${i} over the scrolled detail`).toBe(
          false,
        );
      await page.screenshot({ path: `${FINAL}/toast-${vp.width}.png` });
      // Toasts never take a click: what is under one stays usable.
      expect(await page.locator('#toasts').evaluate((el) => getComputedStyle(el).pointerEvents)).toBe('none');
      await page.screenshot({ path: `${SHOTS}/layout-${vp.width}.png` });

      // D10: the Refresh fault says Slack warns about 10 s ahead, on the button and in words under the buttons.
      await expect(page.locator('#fault-refresh')).toHaveAttribute('title', /about 10 s ahead/);
      await expect(page.locator('#refresh-hint')).toBeVisible();
      await expect(page.locator('#refresh-hint')).toContainText('about 10 s before refresh_requested');
    });
  });
}

test.describe('laptop 1280×800', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('the script and CSS are served compressed, and the browser gets them so (D12)', async ({ page }) => {
    const assets: Array<{ url: string; encoding: string | undefined; transfer: number }> = [];
    page.on('response', async (r) => {
      if (!/\/assets\/.+\.(js|css)$/.test(r.url())) return;
      const sizes = await r.request().sizes();
      assets.push({
        url: r.url(),
        encoding: (await r.allHeaders())['content-encoding'],
        transfer: sizes.responseBodySize,
      });
    });
    await openPanel(page, panel.url);
    await expect.poll(() => assets.length).toBeGreaterThanOrEqual(2);
    const lines: string[] = [];
    for (const a of assets) {
      // Chromium asks for gzip over plain http (br only over https).
      expect(a.encoding, a.url).toMatch(/^(gzip|br)$/);
      const plain = await rawGet(a.url);
      const gz = await rawGet(a.url, 'gzip, deflate');
      const br = await rawGet(a.url, 'br, gzip');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(br.headers['content-encoding']).toBe('br');
      expect(gz.headers['vary']).toBe('accept-encoding');
      expect(gz.bytes).toBeLessThan(plain.bytes / 2);
      expect(br.bytes).toBeLessThan(gz.bytes);
      expect(a.transfer).toBe(a.encoding === 'br' ? br.bytes : gz.bytes);
      lines.push(`${a.url.split('/').pop()}: ${plain.bytes} B plain, ${gz.bytes} B gzip, ${br.bytes} B br`);
    }
    // A client that refuses both gets the file as it is.
    const refused = await rawGet(assets[0]!.url, 'gzip;q=0, br;q=0');
    expect(refused.headers['content-encoding']).toBeUndefined();
    test.info().annotations.push({ type: 'transfer sizes', description: lines.join('; ') });
    console.log(`D12 transfer sizes: ${lines.join('; ')}`);
  });

  test('the session survives a reload, bounded to its newest 300 envelopes', async ({ page }) => {
    const conn0 = await openPanel(page, panel.url);
    for (let i = 0; i < 3; i++) await inject(page, 'Message', { text: `kept ${i}` });
    await expect(page.locator('.env-row')).toHaveCount(3);
    const ids = await page
      .locator('.env-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-envelope-id')));
    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    await expect(page.locator('.toast')).toContainText(['Restored 3 envelopes from before the reload']);
    await expect(page.locator('.env-row')).toHaveCount(3);
    expect(
      await page.locator('.env-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-envelope-id'))),
    ).toEqual(ids);
    for (const id of ids)
      await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', /^(acked|late)$/);
    await page.locator('.env-row').first().click();
    await expect(page.locator('#detail .ack-box')).toContainText("This page's client: written to the socket after");
    // On the socket it came on before the reload (closed now, numbered from #1001), not this load's #1.
    await expect(page.locator('#detail')).toContainText(`on socket #1001 (${conn0})`);
    expect(await pageConnectionId(page)).not.toBe(conn0);

    // The bound: 320 more to this page, then a reload keeps the newest 300.
    const conn = await pageConnectionId(page);
    const sent: string[] = [];
    for (let i = 0; i < 320; i++)
      sent.push(sim.inject('message', { text: `bulk ${i}` }, { connectionId: conn }).envelope_id);
    await expect.poll(() => page.evaluate(() => (window as any).__devpanel.session.envelopes.length)).toBe(323);
    await expect.poll(() => page.evaluate(() => (window as any).__devpanel.session.pendingCount())).toBe(0);
    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    const kept = (await page.evaluate(() =>
      (window as any).__devpanel.session.envelopes.map((e: any) => e.envelope_id),
    )) as string[];
    expect(kept).toEqual(sent.slice(-300));
  });
});
