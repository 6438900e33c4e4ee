// `dev --forward-to`, end to end: the built page served by startDevPanel in forward mode, the real simulator, the
// forward command run in this process as the dev CLI runs it (its onDelivery feeding the panel's log), a Hono app
// on loopback HTTP verifying Slack's signature itself, Chromium reading the panel. Each injected envelope shows
// up with the app's status and the ack it produced; with the app down, a refusal shows as refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { Hono } from 'hono';
import { buildPanelPage } from './panel-build.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';
import { createForwardedLog } from '../../src/devpanel/forwarded-log.ts';
import { runForwardCli } from '../../src/forward/cli.ts';
import { toNodeListener } from '../../src/platform/node-http.ts';
import { slackSignature } from '../helpers/slack-signature.ts';

const SHOTS = 'test-results/devpanel-forward';
const SECRET = 'panel-fwd-signing-secret-8e2d41c7';
let sim: Simulator;
let panel: DevPanel;
let outDir: string;
let app: Server;
let appUrl: string;
const stopForwarding = new AbortController();
let forwarding: Promise<void>;
const forwardLines: string[] = [];

const sign = (ts: string, body: string): Promise<string> => slackSignature(SECRET, ts, body);

/** An HTTP-mode app: refuses what is not signed with SECRET, answers commands with text and view submissions with errors. */
function honoApp(): Hono {
  const hono = new Hono();
  hono.post('/slack/events', async (c) => {
    const raw = await c.req.text();
    const ts = c.req.header('x-slack-request-timestamp') ?? '';
    if (
      !(Math.abs(Date.now() / 1000 - Number(ts)) < 300) ||
      c.req.header('x-slack-signature') !== (await sign(ts, raw))
    )
      return c.text('invalid signature', 401);
    if (c.req.header('content-type') === 'application/json') return c.body(null, 200);
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload === null) return c.text(`hono: ${form.get('text')}`);
    if (JSON.parse(payload).type === 'view_submission')
      return c.json({ response_action: 'errors', errors: { feedback: 'hono says no' } });
    return c.body(null, 200);
  });
  return hono;
}

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1366, height: 800 } });

test.beforeAll(async () => {
  outDir = buildPanelPage('devpanel-forward-build');
  // No redeliveries: each envelope is one request, one row.
  sim = await startSimulator({ redeliveryDelaysMs: [] });
  const hono = honoApp();
  app = createServer(toNodeListener((r) => hono.fetch(r)));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`;
  // As `dev --forward-to` wires them (src/devpanel/cli.ts): one log, fed by the forward command, read by the panel.
  const forwarded = createForwardedLog();
  panel = await startDevPanel({ simulator: sim, staticDir: outDir, forwardTo: appUrl, forwarded });
  forwarding = runForwardCli(['--to', appUrl], {
    env: { SLACK_APP_TOKEN: sim.appToken, SLACK_API_URL: sim.apiUrl, SLACK_SIGNING_SECRET: SECRET },
    out: (l) => forwardLines.push(l),
    color: false,
    signal: stopForwarding.signal,
    onDelivery: forwarded.add,
  });
  await expect
    .poll(() => forwardLines.some((l) => l.startsWith('Forwarding Socket Mode')), { timeout: 10_000 })
    .toBe(true);
});

test.afterAll(async () => {
  stopForwarding.abort();
  await forwarding;
  await panel?.close();
  await new Promise((r) => app?.close(r));
  await sim?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const bytes = (v: unknown): number => new TextEncoder().encode(JSON.stringify(v)).length;

test('each forwarded request shows with its status and ack; with the app down, refused', async ({ page }) => {
  await page.goto(panel.url);
  const tab = page.getByRole('tab', { name: /Forwarded/ });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#forwarded-panel')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Requests forwarded to the HTTP app' })).toBeAttached();
  await expect(page.locator('#forwarded-panel')).toContainText(appUrl);
  // The page has no client of its own: the forwarder's is the simulator's only connection.
  expect(sim.state().connections.length).toBe(1);

  const mention = sim.inject('app_mention');
  await sim.waitForAck(mention.envelope_id);
  const command = sim.inject('slash_command', { command: '/hono', text: 'hi' });
  await sim.waitForAck(command.envelope_id);
  const submission = sim.inject('view_submission');
  await sim.waitForAck(submission.envelope_id);

  const rows = page.locator('#forwarded-list > li');
  await expect(rows).toHaveCount(3, { timeout: 10_000 });
  // Newest first.
  expect(await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['type']))).toEqual([
    'interactive',
    'slash_commands',
    'events_api',
  ]);
  const event = rows.nth(2);
  await expect(event).toHaveAttribute('data-status', '200');
  await expect(event.locator('[data-field="what"]')).toHaveText('app_mention');
  await expect(event.locator('[data-field="outcome"]')).toHaveText('200 → ack (no payload)');
  await expect(event.locator('[data-field="target"]')).toHaveText(`→ ${appUrl}`);
  await expect(event.locator('[data-field="ack"]')).toHaveCount(0);

  const cmd = rows.nth(1);
  await expect(cmd.locator('[data-field="what"]')).toHaveText('/hono');
  await expect(cmd.locator('[data-field="outcome"]')).toHaveText(`200 → ack ${bytes({ text: 'hono: hi' })} B`);
  // The payload itself is in the detail, closed until asked for.
  const cmdAck = cmd.getByRole('group').filter({ hasText: 'Ack payload' });
  await expect(cmd.getByText('"hono: hi"')).toBeHidden();
  await cmd.locator('[data-field="ack"] > summary').click();
  await expect(cmdAck.getByText('"hono: hi"')).toBeVisible();

  const view = rows.nth(0);
  await expect(view.locator('[data-field="what"]')).toContainText('view_submission');
  const viewAck = { response_action: 'errors', errors: { feedback: 'hono says no' } };
  await expect(view.locator('[data-field="outcome"]')).toHaveText(`200 → ack ${bytes(viewAck)} B`);
  await view.locator('[data-field="ack"] > summary').click();
  await expect(view.locator('[data-field="ack"]').getByText('"hono says no"')).toBeVisible();
  // What the page shows is what the simulator recorded as acked.
  expect((await sim.waitForAck(submission.envelope_id)).payload).toEqual(viewAck);
  await expect(page.locator('#forwarded-count')).toHaveText('3 forwarded');
  await page.screenshot({ path: `${SHOTS}/01-forwarded.png` });

  // The app goes down: the next envelope is refused, not acked, and says what to check.
  await new Promise((r) => app.close(r));
  app.closeAllConnections();
  const lost = sim.inject('app_mention');
  await expect(rows).toHaveCount(4, { timeout: 10_000 });
  const refused = rows.nth(0);
  await expect(refused).toHaveAttribute('data-failure', 'refused');
  await expect(refused).toHaveAttribute('data-acked', 'false');
  await expect(refused.locator('[data-field="outcome"]')).toContainText('refused · not acked');
  await expect(refused.locator('[data-field="hint"]')).toContainText('is it running');
  expect(sim.acks.map((a) => a.envelope_id)).not.toContain(lost.envelope_id);
  await page.screenshot({ path: `${SHOTS}/02-refused.png` });

  // No secret or token anywhere the page can read.
  const served = await (await fetch(`${panel.url}forwarded?since=0`)).text();
  const html = await page.content();
  for (const text of [served, html]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(sim.appToken);
    expect(text).not.toMatch(/xapp-|xoxb-/);
  }
});
