// The browser dev panel, end to end: the built page (vite build) served by startDevPanel, the real
// simulator, Chromium driving the page. Screenshots land in test-results/devpanel/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { servePanel } from './panel-build.ts';
import { inject, openPanel as openPanelAt, pageConnectionId } from './panel-page.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';
import { SocketModeClient, callApi } from '../../src/platform/node.ts';

const SHOTS = 'test-results/devpanel';
const served = servePanel('devpanel-build');
let sim: Simulator;
let panel: DevPanel;
let outDir: string;
test.beforeAll(() => void ({ sim, panel, outDir } = served));

/** How many timeline events of this kind the page has recorded (the chips row only shows the latest). */
const timelineCount = (page: Page, kind: string) =>
  page.evaluate((k) => (window as any).__devpanel.session.timeline.filter((e: any) => e.kind === k).length, kind);

/** Open the panel (plus `query`) and wait until its client is connected. Returns the page's sim connection id. */
const openPanel = (page: Page, query = ''): Promise<string> => openPanelAt(page, panel.url + query);

const rows = (page: Page) => page.locator('#env-list li:not([hidden]) .env-row');

test('connects to the simulator with no token in the page; hello shows in the timeline', async ({ page }) => {
  const seen: string[] = [];
  page.on('request', (req) => {
    if ((req.url() + JSON.stringify(req.headers()) + (req.postData() ?? '')).includes(sim.appToken))
      seen.push(req.url());
  });
  const connId = await openPanel(page);
  await expect(page.locator('#target')).toHaveText('simulator');
  const hello = page.locator('.tl-chip[data-kind="hello"]').last();
  await expect(hello).toContainText('hello');
  await expect(hello).toHaveAttribute('title', new RegExp(`num_connections 1 · host applink-sim-${connId.slice(5)}`));
  await expect(page.locator('.tl-lane.open .tl-seg.live')).toHaveCount(1);
  expect(seen).toEqual([]);
  expect(await page.content()).not.toContain(sim.appToken);
  // config.json never carries a token either
  const cfg = await (await fetch(`${panel.url}config.json`)).text();
  expect(cfg).not.toContain('xapp-');
  await page.screenshot({ path: `${SHOTS}/01-connected.png` });
});

test('injects each kind of event: stream, filter, detail JSON and the ack that was sent', async ({ page }) => {
  const connId = await openPanel(page);
  sim.resetStats();
  const kinds: Array<[string, string, string]> = [
    ['Message', 'message', 'events_api'],
    ['Mention (@bot)', 'app_mention', 'events_api'],
    ['Reaction', 'reaction_added', 'events_api'],
    ['Slash command', '/hello', 'slash_commands'],
    ['Button click', 'block_actions', 'interactive'],
    ['View submission', 'view_submission', 'interactive'],
    ['Block suggestion', 'block_suggestion', 'interactive'],
    ['Shortcut', 'shortcut', 'interactive'],
    ['View closed', 'view_closed', 'interactive'],
  ];
  for (const [label, eventType, type] of kinds) {
    await inject(page, label);
    const row = page.locator(`.env-row[data-event-type="${eventType}"]`).first();
    await expect(row).toHaveAttribute('data-type', type);
    await expect(row).toHaveAttribute('data-ack', 'acked');
    await expect(row.locator('.c-ack')).toContainText('ms');
  }
  await expect(rows(page)).toHaveCount(kinds.length);
  // Every one was delivered to this page's connection and acked from it, inside the deadline.
  await sim.waitFor(() => sim.acks.length === kinds.length);
  expect(sim.deliveries.every((d) => d.connectionId === connId)).toBe(true);
  expect(sim.acks.every((a) => a.connectionId === connId && !a.duplicate && !a.late)).toBe(true);

  // Filter by type.
  await page.selectOption('#filter-type', 'slash_commands');
  await expect(rows(page)).toHaveCount(1);
  await page.selectOption('#filter-type', 'interactive');
  await expect(rows(page)).toHaveCount(5);
  await page.fill('#filter-text', 'view_');
  await expect(rows(page)).toHaveCount(2);
  await page.fill('#filter-text', '');
  await page.selectOption('#filter-type', '');
  await expect(rows(page)).toHaveCount(kinds.length);

  // Click one: full JSON (collapsible) and the ack frame.
  const slash = page.locator('.env-row[data-event-type="/hello"]');
  const envelopeId = await slash.getAttribute('data-envelope-id');
  await slash.click();
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(envelopeId!);
  await expect(page.locator('#detail .ack-box')).toHaveAttribute('data-ack', 'acked');
  await expect(page.locator('#detail .ack-box .json-tree')).toContainText(`"envelope_id": "${envelopeId}"`);
  const json = page.locator('#detail .json-box .json-tree');
  await expect(json).toContainText('"command": "/hello"');
  await expect(json).toContainText('"response_url"');
  const payloadNode = json
    .locator('details', { has: page.locator('> summary .j-key', { hasText: '"payload"' }) })
    .first();
  await expect(payloadNode).toHaveAttribute('open', '');
  await payloadNode.locator('> summary').click();
  await expect(payloadNode).not.toHaveAttribute('open', '');
  await payloadNode.locator('> summary').click();

  // Keyboard: arrow keys move the selection through the stream.
  await slash.focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#detail [data-field="envelope_id"]')).not.toHaveText(envelopeId!);

  // The simulator feed tab shows the deliveries and acks, marked as this page's.
  await page.click('#tab-feed');
  await expect(page.locator('#feed-list .feed-row[data-event="ack"] .who.page').first()).toBeVisible();
  await page.click('#tab-stream');
  await expect(page.locator('[data-stat="total"]')).toHaveText(String(kinds.length));
  await page.screenshot({ path: `${SHOTS}/02-stream-detail.png` });
});

test('manual ack: editable payload with a visible 3 s countdown reaches the simulator', async ({ page }) => {
  await openPanel(page);
  await page.uncheck('#auto-ack');

  // Slash command: the template is there, edit it, send it.
  await inject(page, 'Slash command', { text: 'manual' });
  const row = page.locator('.env-row[data-event-type="/hello"]').first();
  await expect(row).toHaveAttribute('data-ack', 'pending');
  const id = (await row.getAttribute('data-envelope-id'))!;
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(id); // newest pending is selected
  await expect(page.locator('#detail .deadline-label')).toContainText('s left');
  await expect(page.locator('#ack-payload')).toHaveValue(/response_type/);
  await page.screenshot({ path: `${SHOTS}/03-manual-ack-pending.png` });
  const first = Number.parseFloat((await page.locator('#detail .deadline-label').textContent())!);
  await page.waitForTimeout(300);
  const second = Number.parseFloat((await page.locator('#detail .deadline-label').textContent())!);
  expect(second).toBeLessThan(first);
  await page.fill('#ack-payload', '{"text": "answered from the dev panel", "response_type": "in_channel"}');
  await page.click('#send-ack');
  const ack = await sim.waitForAck(id);
  expect(ack.payload).toEqual({ text: 'answered from the dev panel', response_type: 'in_channel' });
  expect(ack.late).toBeFalsy();
  await expect(row).toHaveAttribute('data-ack', 'acked');
  await expect(page.locator('#detail .ack-box .json-tree')).toContainText('answered from the dev panel');

  // view_submission with response_action, sent from the keyboard (Ctrl+Enter).
  await inject(page, 'View submission');
  const vs = page.locator('.env-row[data-event-type="view_submission"]').first();
  await expect(vs).toHaveAttribute('data-ack', 'pending');
  const vsId = (await vs.getAttribute('data-envelope-id'))!;
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(vsId);
  await page.fill('#ack-payload', '{"response_action": "clear"}');
  await page.locator('#ack-payload').press('Control+Enter');
  expect((await sim.waitForAck(vsId)).payload).toEqual({ response_action: 'clear' });

  // block_suggestion: the options template goes out as is.
  await inject(page, 'Block suggestion');
  const bsId = (await page
    .locator('.env-row[data-event-type="block_suggestion"]')
    .first()
    .getAttribute('data-envelope-id'))!;
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(bsId);
  await page.click('#send-ack');
  const bsAck = await sim.waitForAck(bsId);
  expect((bsAck.payload as any).options).toHaveLength(2);

  // Invalid JSON is refused in the page, nothing is sent.
  await inject(page, 'Slash command', { text: 'bad json' });
  const badId = (await page.locator('.env-row[data-ack="pending"]').first().getAttribute('data-envelope-id'))!;
  const badRow = page.locator(`.env-row[data-envelope-id="${badId}"]`);
  await expect(page.locator('#detail [data-field="envelope_id"]')).toHaveText(badId);
  await page.fill('#ack-payload', '{nope');
  await page.click('#send-ack');
  await expect(page.locator('#detail .ack-box [role="alert"]')).toContainText('Invalid JSON');
  expect(sim.acks.some((a) => a.envelope_id === badId)).toBe(false);

  // Left alone, it misses the deadline and says so.
  await expect(badRow).toHaveAttribute('data-ack', 'missed', { timeout: 6000 });
  await expect(page.locator('#detail .deadline-label')).toContainText('deadline passed');
  await page.click('#send-empty-ack');
  const late = await sim.waitForAck(badId);
  expect(late.late).toBe(true);
  await expect(badRow).toHaveAttribute('data-ack', 'late');
  await page.screenshot({ path: `${SHOTS}/04-manual-ack-done.png` });
});

test('refresh: warning, refresh_requested and the new hellos show in the timeline; no envelope is lost', async ({
  page,
}) => {
  const firstConn = await openPanel(page);
  sim.resetStats();
  // Keep events flowing through both refreshes (to any connection: only this page is connected).
  const sent: string[] = [];
  const pump = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      sent.push(sim.inject('message', { text: `during refresh ${sent.length}` }).envelope_id);
      await new Promise((r) => setTimeout(r, 40));
    }
  };
  // 1. With a warning: the client opens the replacement at once (make-before-break) and closes the old one.
  await page.click('#fault-refresh');
  await pump(1500);
  for (const kind of ['warning', 'reconnecting', 'closed'])
    await expect(page.locator(`.tl-chip[data-kind="${kind}"]`).first()).toBeVisible();
  await expect.poll(() => timelineCount(page, 'hello')).toBe(2);
  await expect.poll(() => pageConnectionId(page)).not.toBe(firstConn);
  // 2. Without a warning: refresh_requested, then close.
  const secondConn = await pageConnectionId(page);
  await page.click('#fault-refresh-now');
  await pump(1500);
  await expect(page.locator('.tl-chip[data-kind="refresh_requested"]').first()).toBeVisible();
  await expect.poll(() => timelineCount(page, 'hello')).toBe(3);
  await expect.poll(() => pageConnectionId(page)).not.toBe(secondConn);

  // Every envelope reached the page and was acked in time.
  await expect(rows(page)).toHaveCount(sent.length);
  await sim.waitFor(() => sent.every((id) => sim.acks.some((a) => a.envelope_id === id)), 8000);
  expect(sim.missedDeadlines()).toEqual([]);
  const uniq = new Set(
    await page
      .locator('#env-list .env-row')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['envelopeId'])),
  );
  expect([...uniq].sort()).toEqual([...sent].sort());
  // The strip: three socket lanes, the first with a warned segment, the second drained after refresh_requested.
  await expect(page.locator('.tl-lane[data-socket]')).toHaveCount(3);
  await expect(page.locator('.tl-seg.warned')).toHaveCount(1);
  // (refresh_requested may also reach the first socket, if it arrives before the client has closed it)
  expect(await page.locator('.tl-seg.draining').count()).toBeGreaterThanOrEqual(1);
  expect(await page.locator('.tl-mark.k-refresh_requested').count()).toBeGreaterThanOrEqual(1);
  await page.locator('.tl-mark.k-warning').focus();
  await expect(page.locator('.tl-caption')).toContainText('warning');
  await page.screenshot({ path: `${SHOTS}/05-refresh-timeline.png` });
});

test('faults from the page: malformed frame, drop, link_disabled show in the timeline', async ({ page }) => {
  const connId = await openPanel(page);
  await page.click('#fault-malformed');
  await expect(page.locator('.tl-chip[data-kind="malformed"]').first()).toContainText('malformed');
  await page.click('#fault-drop');
  await expect(page.locator('.tl-chip[data-kind="closed"]').first()).toBeVisible();
  await expect.poll(() => timelineCount(page, 'hello'), { timeout: 15_000 }).toBe(2);
  await expect.poll(() => pageConnectionId(page)).not.toBe(connId);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected');

  await page.click('#fault-link-disabled');
  await expect(page.locator('.tl-chip[data-kind="link_disabled"]').first()).toBeVisible();
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error', { timeout: 10_000 });
  await expect(page.locator('#connect')).toHaveText('Connect');
  await page.screenshot({ path: `${SHOTS}/06-link-disabled.png` });
  await page.click('#fault-link-enabled');
  // The page connects again by itself once the link is re-enabled (issue 20, D3): no Connect click.
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 10_000 });

  // half-open: the simulator goes silent on this page's socket (a browser cannot ping; the feed shows it).
  const before = await pageConnectionId(page);
  await page.click('#tab-feed');
  await page.click('#fault-half-open');
  await expect(page.locator('#feed-list .feed-row[data-event="fault"]').first()).toContainText(
    `half_open on ${before}`,
  );
  await expect(page.locator('#feed-list .feed-row[data-event="connection"]').first()).toContainText('half-open');
});

test('deliver to the bot: its answers (chat.postMessage, ack payload) show; the page stream does not get them', async ({
  page,
}) => {
  // A stand-in for the example echo bot, on Node, on its own connection.
  const bot = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, logLevel: 'error' });
  bot.on('app_mention', async ({ ack, event }: any) => {
    await ack();
    await callApi(
      'chat.postMessage',
      { channel: event.channel, text: `echo: ${event.text}` },
      { token: sim.botToken, apiUrl: sim.apiUrl },
    );
    // Its other Web API calls show too: a reaction, and a lookup the simulator answers with an error.
    await callApi(
      'reactions.add',
      { channel: event.channel, timestamp: event.ts, name: 'eyes' },
      { token: sim.botToken, apiUrl: sim.apiUrl },
    ).catch(() => undefined);
    await callApi('users.info', { user: 'U404' }, { token: sim.botToken, apiUrl: sim.apiUrl }).catch(() => undefined);
  });
  bot.on('slash_commands', async ({ ack, body }: any) => ack({ text: `echo: ${body.text}` }));
  await bot.start();
  try {
    await openPanel(page);
    await expect(page.locator('#sim-conns')).toContainText('(page)');
    await inject(page, 'Mention (@bot)', { text: 'are you there?', to: 'bot' });
    await expect(page.locator('#bot-replies .reply[data-kind="chat.postMessage"]').first()).toContainText(
      'echo: <@U0BOT> are you there?',
    );
    await expect(page.locator('#bot-replies .reply[data-kind="users.info"]').first()).toContainText(
      'user U404 → error user_not_found',
    );
    await expect(page.locator('#bot-replies .reply[data-kind="reactions.add"]').first()).toContainText(
      'name eyes · channel C111 → ok',
    );
    await inject(page, 'Slash command', { text: 'ping', to: 'bot' });
    await expect(page.locator('#bot-replies .reply[data-kind="ack payload"]').first()).toContainText('echo: ping');
    await expect(rows(page)).toHaveCount(0);
    await page.click('#tab-feed');
    await expect(page.locator('#feed-list .feed-row[data-event="delivery"] .who.other').first()).toBeVisible();
    // And "this page" still works with the bot connected: every one lands here.
    await page.click('#tab-stream');
    for (let i = 0; i < 4; i++) await inject(page, 'Message', { text: `for the page ${i}` });
    await expect(rows(page)).toHaveCount(4);
    await page.screenshot({ path: `${SHOTS}/07-bot-replies.png` });
  } finally {
    await bot.disconnect();
  }
});

test('export the session, replay it into the simulator: the same envelopes come back', async ({ page }) => {
  await openPanel(page);
  await inject(page, 'Message', { text: 'one' });
  await inject(page, 'Slash command', { text: 'two' });
  await inject(page, 'Button click', { text: 'three' });
  await expect(page.locator('.env-row[data-ack="acked"]')).toHaveCount(3);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = join(outDir, 'session.json');
  await download.saveAs(file);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  expect(doc.format).toBe('socket-mode-anywhere/devpanel-session');
  expect(doc.envelopes).toHaveLength(3);
  for (const e of doc.envelopes) {
    expect(e.ack.state).toBe('acked');
    expect(e.ack.frame.envelope_id).toBe(e.envelope_id);
    expect(e.envelope.envelope_id).toBe(e.envelope_id);
  }
  expect(doc.timeline.some((t: any) => t.kind === 'hello')).toBe(true);
  expect(JSON.stringify(doc)).not.toContain(sim.appToken);

  await page.click('text=Clear');
  await expect(rows(page)).toHaveCount(0);
  await page.setInputFiles('#import-file', file);
  await expect(page.locator('.env-row .tag.replay')).toHaveCount(3);
  await expect(page.locator('.env-row[data-ack="acked"]')).toHaveCount(3);
  const replayed = await page.evaluate(() => (window as any).__devpanel.session.envelopes.map((e: any) => e.raw));
  const strip = (env: any) => ({ type: env.type, payload: env.payload });
  expect(replayed.map(strip).sort((a: any, b: any) => a.type.localeCompare(b.type))).toEqual(
    doc.envelopes.map((e: any) => strip(e.envelope)).sort((a: any, b: any) => a.type.localeCompare(b.type)),
  );
  // New envelope ids: they are new deliveries of the same payloads.
  expect(replayed.some((r: any) => doc.envelopes.some((e: any) => e.envelope_id === r.envelope_id))).toBe(false);
  await page.screenshot({ path: `${SHOTS}/08-replayed.png` });
});

test('laptop width (1280x720) and keyboard: everything reachable, nothing overflows', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openPanel(page);
  for (let i = 0; i < 6; i++) await inject(page, i % 2 ? 'Message' : 'Slash command', { text: `burst ${i}` });
  await expect(rows(page)).toHaveCount(6);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  // Tab from the top reaches the main controls in order.
  const reached = new Set<string>();
  await page.locator('body').focus();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');
    reached.add(String(id));
  }
  for (const id of [
    'auto-ack',
    'connect',
    'export',
    'replay',
    'inject-kind',
    'inject-send',
    'fault-refresh',
    'tab-stream',
  ]) {
    expect([...reached], `focus reaches #${id}`).toContain(id);
  }
  await page.keyboard.press('/');
  await expect(page.locator('#filter-text')).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/09-laptop-1280.png` });
});

test('against "real Slack" (an app token on the server): the page connects, simulator controls are hidden, the token stays out', async ({
  page,
}) => {
  // The simulator's Web API stands in for slack.com: the dev panel server holds the token, as with SLACK_APP_TOKEN.
  const slack = await startDevPanel({ appToken: sim.appToken, apiUrl: sim.apiUrl, staticDir: outDir });
  try {
    const leaks: string[] = [];
    page.on('request', (req) => {
      if ((req.url() + JSON.stringify(req.headers()) + (req.postData() ?? '')).includes(sim.appToken))
        leaks.push(req.url());
    });
    await page.goto(slack.url);
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    await expect(page.locator('#target')).toHaveText('real Slack');
    await expect(page.locator('#sim-controls')).toBeHidden();
    await expect(page.locator('#tab-feed')).toBeHidden();
    await expect(page.locator('#replay')).toBeHidden();
    // Envelopes "from Slack" still stream and get acked.
    const env = sim.inject('app_mention', { text: '<@U0BOT> from slack' });
    await expect(page.locator(`.env-row[data-envelope-id="${env.envelope_id}"]`)).toHaveAttribute('data-ack', 'acked');
    expect(leaks).toEqual([]);
    expect(await page.content()).not.toContain(sim.appToken);
    const cfg = await (await fetch(`${slack.url}config.json`)).json();
    expect(cfg).toEqual({ mode: 'slack', connectionUrl: 'connection-url', simulator: null });
    // Another origin cannot get a live connection out of it.
    const foreign = await fetch(`${slack.url}connection-url`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    await page.screenshot({ path: `${SHOTS}/10-real-slack-mode.png` });
  } finally {
    await slack.close();
  }
});

test('server: static files only from the build, 503 with instructions when unbuilt; runDevCli starts simulator + panel', async () => {
  const res = await fetch(`${panel.url}server.js`);
  expect(res.status).toBe(404);
  expect((await fetch(`${panel.url}..%2f..%2fpackage.json`)).status).toBe(404);
  const index = await fetch(panel.url);
  expect(index.status).toBe(200);
  expect(index.headers.get('cache-control')).toBe('no-cache');
  const asset = /assets\/[^"]+\.js/.exec(await index.text())![0];
  const js = await fetch(panel.url + asset);
  expect(js.headers.get('content-type')).toContain('javascript');
  expect(js.headers.get('cache-control')).toContain('immutable');

  const unbuilt = await startDevPanel({ simulator: sim, staticDir: join(outDir, 'nothing-here') });
  try {
    expect(unbuilt.built).toBe(false);
    const r = await fetch(unbuilt.url);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('vite build');
  } finally {
    await unbuilt.close();
  }
  await expect(startDevPanel({})).rejects.toThrow(/simulator|appToken/);

  const { runDevCli } = await import('../../src/devpanel/cli.ts');
  const lines: string[] = [];
  const ac = new AbortController();
  const done = runDevCli(['--port', '0', '--panel-port', '0', '--no-bot'], {
    out: (l) => lines.push(l),
    env: {},
    signal: ac.signal,
  });
  await expect.poll(() => lines.some((l) => l.startsWith('Press Ctrl+C'))).toBe(true);
  const panelUrl = /Panel:\s+(\S+)/.exec(lines.join('\n'))![1]!;
  const cfg = await (await fetch(`${panelUrl}config.json`)).json();
  expect(cfg.mode).toBe('simulator');
  expect(cfg.simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  ac.abort();
  await done;
  expect(lines.at(-1)).toBe('Dev panel stopped.');
});

test('development: the same page from the vite dev server (?backend=…) drives the same simulator', async ({ page }) => {
  await page.goto(`/src/devpanel/index.html?backend=${encodeURIComponent(panel.url)}`);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  await inject(page, 'Slash command', { text: 'from vite' });
  await expect(page.locator('.env-row[data-event-type="/hello"]')).toHaveAttribute('data-ack', 'acked');
});
