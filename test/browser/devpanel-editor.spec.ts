// Issue 20 item 4: the full-envelope editor (every envelope field and the payload, checked by the client's own
// parser, errors shown at their field), resending a row as is or edited, Slack-style redelivery, envelope fields
// in "More fields" landing on the envelope (D7), and a keyboard-only inject → inspect → ack. Each at 1280×800 and
// 390×844; screenshots in test-results/devpanel-issue20/.
import { test, expect, type Page } from '@playwright/test';
import { servePanel } from './panel-build.ts';
import { inject, openPanel } from './panel-page.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { DevPanel } from '../../src/devpanel/server.ts';

const SHOTS = 'test-results/devpanel-issue20';
const served = servePanel('devpanel-editor-build');
let sim: Simulator;
let panel: DevPanel;
test.beforeAll(() => void ({ sim, panel } = served));

const delivered = (id: string) => sim.deliveries.find((d) => d.envelope_id === id);
/** The envelope ids the simulator delivered after `n` deliveries. */
const newDeliveries = (n: number) => sim.deliveries.slice(n).map((d) => d.envelope_id);

/** Press Tab until `selector` has focus (at most 200 presses): keyboard only, as a user without a mouse. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

for (const vp of [
  { name: 'laptop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test.describe(`${vp.name} ${vp.width}×${vp.height}`, () => {
    test.use({ viewport: { width: vp.width, height: vp.height } });

    test('edit & resend: each bad field gets its own error; the fixed envelope goes out exactly as written', async ({
      page,
    }) => {
      await openPanel(page, panel.url);
      await inject(page, 'Message', { text: 'edit me' });
      const row = page.locator('.env-row').first();
      await row.click();
      const original = (await row.getAttribute('data-envelope-id'))!;
      await page.click('#edit-resend');
      const dialog = page.locator('#envelope-editor');
      await expect(dialog).toBeVisible();
      // A fresh id, the rest as received.
      await expect(page.locator('#ee-envelope-id')).not.toHaveValue(original);
      await expect(page.locator('#ee-type')).toHaveValue('events_api');
      await expect(page.locator('#ee-retry-attempt')).toHaveValue('0');

      // Three problems at once: each at its field, none sent.
      const before = sim.deliveries.length;
      await page.fill('#ee-envelope-id', '');
      await page.fill('#ee-retry-attempt', '-1');
      await page.fill('#ee-payload', '{"event": ');
      await page.click('#ee-send');
      await expect(page.locator('#ee-envelope-id-error')).toContainText('envelope_id is required');
      await expect(page.locator('#ee-retry-attempt-error')).toContainText('a whole number, 0 or more');
      await expect(page.locator('#ee-payload-error')).toContainText('invalid JSON');
      await expect(page.locator('#ee-payload')).toHaveAttribute('aria-invalid', 'true');
      await expect(page.locator('#ee-errors')).toContainText('Not sent: 3 problems');
      // Valid JSON the client's parser refuses: an inner event without its type.
      await page.click('#ee-new-id');
      await page.fill('#ee-retry-attempt', '2');
      await page.fill('#ee-retry-reason', 'http_timeout');
      await page.fill(
        '#ee-payload',
        JSON.stringify({ type: 'event_callback', event_id: 'EvEDITED', event: { text: 'no type' } }),
      );
      await page.click('#ee-send');
      await expect(page.locator('#ee-payload-error')).toContainText(
        'The client refuses it (schema): payload.event.type',
      );
      await expect(page.locator('#ee-retry-attempt-error')).toHaveText('');
      await page.screenshot({ path: `${SHOTS}/editor-errors-${vp.width}.png` });
      expect(sim.deliveries.length).toBe(before);

      // Fixed: delivered as written, envelope fields on the envelope.
      await page.fill(
        '#ee-payload',
        JSON.stringify({ type: 'event_callback', event_id: 'EvEDITED', event: { type: 'message', text: 'edited' } }),
      );
      await page.selectOption('#ee-deliver-to', 'page');
      const id = await page.inputValue('#ee-envelope-id');
      await page.click('#ee-send');
      await expect(dialog).toBeHidden();
      const row2 = page.locator(`.env-row[data-envelope-id="${id}"]`);
      await expect(row2).toHaveCount(1);
      await expect(row2).toHaveAttribute('data-ack', /^(acked|late)$/);
      const d = delivered(id)!;
      expect(d).toMatchObject({ type: 'events_api', retry_attempt: 2, event_id: 'EvEDITED' });
      await row2.click();
      await expect(page.locator('#detail')).toContainText('attempt 2 (http_timeout)');
    });

    test('resend and redeliver a row; "More fields" puts envelope fields on the envelope (D7)', async ({ page }) => {
      await openPanel(page, panel.url);
      await inject(page, 'Message', { text: 'again' });
      const row = page.locator('.env-row').first();
      await row.click();
      const first = (await row.getAttribute('data-envelope-id'))!;
      const raw = (await page.evaluate((i) => (window as any).__devpanel.session.byId.get(i).raw, first)) as any;

      let n = sim.deliveries.length;
      await page.click('#resend');
      await expect.poll(() => newDeliveries(n).length).toBe(1);
      const resent = newDeliveries(n)[0]!;
      expect(resent).not.toBe(first);
      expect(delivered(resent)).toMatchObject({ retry_attempt: 0, event_id: raw.payload.event_id });

      await page.locator(`.env-row[data-envelope-id="${first}"]`).click();
      await expect(page.locator('#redeliver')).toHaveText('Redeliver (retry 1)');
      n = sim.deliveries.length;
      await page.click('#redeliver');
      await expect.poll(() => newDeliveries(n).length).toBe(1);
      const again = newDeliveries(n)[0]!;
      const rawOf = (i: string) => page.evaluate((x) => (window as any).__devpanel.session.byId.get(x)?.raw ?? null, i);
      await expect.poll(() => rawOf(again)).not.toBeNull();
      const env = (await rawOf(again)) as any;
      expect(env).toMatchObject({ retry_attempt: 1, retry_reason: 'timeout' });
      expect(env.payload).toEqual(raw.payload); // the same event (event_id), as Slack's redelivery
      await page.locator(`.env-row[data-envelope-id="${again}"]`).click();
      await expect(page.locator('#redeliver')).toHaveText('Redeliver (retry 2)');

      // A slash command is not redelivered by Slack: the button says so.
      const rows = await page.locator('.env-row').count();
      await inject(page, 'Slash command', { text: 'x' });
      await expect(page.locator('.env-row')).toHaveCount(rows + 1); // not the event row still on top
      await page.locator('.env-row').first().click();
      await expect(page.locator('#redeliver')).toBeDisabled();
      await expect(page.locator('#redeliver')).toHaveAttribute('title', /events_api envelopes only/);

      // D7: envelope fields typed into "More fields" go on the envelope; the rest into the event.
      await page.selectOption('#inject-kind', { label: 'Message' });
      await page.click('.more summary');
      await page.fill('#inject-extra', JSON.stringify({ retry_attempt: 3, retry_reason: 'timeout', channel: 'C999' }));
      n = sim.deliveries.length;
      await inject(page, 'Message', { text: 'd7' });
      await expect.poll(() => newDeliveries(n).length).toBe(1);
      const d7 = newDeliveries(n)[0]!;
      await expect.poll(() => page.evaluate((i) => !!(window as any).__devpanel.session.byId.get(i), d7)).toBe(true);
      const d7env = (await page.evaluate((i) => (window as any).__devpanel.session.byId.get(i).raw, d7)) as any;
      expect(d7env.retry_attempt).toBe(3);
      expect(d7env.retry_reason).toBe('timeout');
      expect(d7env.payload.event).toMatchObject({ channel: 'C999', text: 'd7' });
      expect(d7env.payload.event.retry_attempt).toBeUndefined();
      await page.fill('#inject-extra', '');

      // "Edit envelope…" in the inject form: the envelope inject would send, in the editor.
      await page.selectOption('#inject-kind', { label: 'Slash command' });
      await page.click('#inject-edit');
      await expect(page.locator('#envelope-editor')).toBeVisible();
      await expect(page.locator('#ee-type')).toHaveValue('slash_commands');
      await expect(page.locator('#ee-accepts')).toBeChecked();
      await expect(page.locator('#ee-payload')).toHaveValue(/"command": "\/hello"/);
      await page.screenshot({ path: `${SHOTS}/editor-new-${vp.width}.png` });
      await page.keyboard.press('Escape');
      await expect(page.locator('#envelope-editor')).toBeHidden();
    });

    test('every control keeps an accessible name, the editor and the session-test box included', async ({ page }) => {
      await openPanel(page, panel.url);
      await inject(page, 'Message', { text: 'names' });
      await page.locator('.env-row').first().click();
      await expect(page.locator('#redeliver')).toBeVisible();
      const unnamed = () =>
        page.evaluate(() => {
          const nameOf = (el: HTMLElement): string => {
            const by = el.getAttribute('aria-labelledby');
            return (
              el.getAttribute('aria-label') ||
              (by
                ? by
                    .split(' ')
                    .map((id) => document.getElementById(id)?.textContent ?? '')
                    .join(' ')
                : '') ||
              [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent).join(' ') ||
              (el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA' ? '' : el.textContent) ||
              el.getAttribute('title') ||
              ''
            ).trim();
          };
          const controls = [
            ...document.querySelectorAll<HTMLElement>('button, input, select, textarea, summary, a[href]'),
          ];
          return {
            count: controls.length,
            unnamed: controls
              .filter((el) => el.getClientRects().length > 0 && (el as HTMLInputElement).type !== 'hidden')
              .filter((el) => !nameOf(el))
              .map((el) => el.outerHTML.slice(0, 80)),
          };
        });
      const main = await unnamed();
      expect(main.unnamed).toEqual([]);
      await page.click('#edit-resend');
      await expect(page.locator('#envelope-editor')).toBeVisible();
      const inDialog = await unnamed();
      expect(inDialog.unnamed).toEqual([]);
      for (const id of [
        '#ee-envelope-id',
        '#ee-type',
        '#ee-accepts',
        '#ee-retry-attempt',
        '#ee-retry-reason',
        '#ee-payload',
      ])
        expect(await page.locator(id).evaluate((el: HTMLInputElement) => el.labels?.length ?? 0), id).toBe(1);
      await page.keyboard.press('Escape');
    });

    test('keyboard only: inject, inspect, ack with a payload', async ({ page }) => {
      await openPanel(page, panel.url);
      await page.locator('body').focus();
      await tabTo(page, '#auto-ack');
      await page.keyboard.press('Space'); // manual ack
      await expect(page.locator('#auto-ack')).not.toBeChecked();
      await tabTo(page, '#inject-kind');
      // Arrow keys move a focused <select>: Message, Mention, Slash command.
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await expect(page.locator('#inject-kind')).toHaveValue('slash_command');
      await tabTo(page, '#inject-text');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('by keys');
      await tabTo(page, '#deliver-to');
      // "Deliver to" starts on the bot; this test inspects the page's own row.
      await page.keyboard.press('Home');
      await expect(page.locator('#deliver-to')).toHaveValue('page');
      await tabTo(page, '#inject-send');
      await page.keyboard.press('Enter');
      const row = page.locator('.env-row').first();
      await expect(row).toHaveAttribute('data-ack', 'pending');
      const id = (await row.getAttribute('data-envelope-id'))!;
      // Manual mode selects the new envelope; the editor is reached with Tab.
      await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(id);
      await tabTo(page, '#ack-payload');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('{"text": "acked from the keyboard"}');
      await page.keyboard.press('Control+Enter');
      expect((await sim.waitForAck(id)).payload).toEqual({ text: 'acked from the keyboard' });
      await expect(row).toHaveAttribute('data-ack', /^(acked|late)$/);
      await page.screenshot({ path: `${SHOTS}/keyboard-ack-${vp.width}.png` });
      await tabTo(page, '#auto-ack');
      await page.keyboard.press('Space');
    });
  });
}
