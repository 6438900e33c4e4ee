// Helpers for the dev panel specs: open the built page, inject envelopes from it, raw HTTP to a server.
import { connect } from 'node:net';
import { expect, type Page } from '@playwright/test';

/** Open the panel at `url` and wait until its client is connected. Returns the page's sim connection id. */
export async function openPanel(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  return pageConnectionId(page);
}

/** The simulator connection id of the page's live client, once it has one. */
export async function pageConnectionId(page: Page): Promise<string> {
  let id = '';
  await expect
    .poll(async () => {
      id = await page.evaluate(() => (window as any).__devpanel.session.liveSockets()[0]?.simConnectionId ?? '');
      return id;
    })
    .toMatch(/^conn-\d+$/);
  return id;
}

export async function inject(
  page: Page,
  kindLabel: string,
  opts: { text?: string; to?: 'page' | 'bot' | 'any' } = {},
): Promise<void> {
  await page.selectOption('#inject-kind', { label: kindLabel });
  if (opts.text !== undefined) await page.fill('#inject-text', opts.text);
  await page.selectOption('#deliver-to', opts.to ?? 'page');
  await page.click('#inject-send');
}

/** Inject in manual mode and wait until it is the pending envelope in the detail. Returns its envelope_id. */
export async function injectPending(page: Page, kindLabel: string, text: string): Promise<string> {
  const before = await page.locator('.env-row').count();
  await inject(page, kindLabel, { text });
  await expect(page.locator('.env-row')).toHaveCount(before + 1);
  const id = (await page.locator('.env-row').first().getAttribute('data-envelope-id'))!;
  await expect(page.locator(`.env-row[data-envelope-id="${id}"]`)).toHaveAttribute('data-ack', 'pending');
  return id;
}

/** Raw HTTP/1.1 exchange: what fetch() cannot send (a request-target that is no URL). */
export function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
