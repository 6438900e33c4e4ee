// The dev panel server (startDevPanel) against real Slack: what it serves, and to whom. Real loopback sockets;
// the browser-driven tests are in test/browser/.
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { startDevPanel, type DevPanel } from '../src/devpanel/server.ts';
import { createForwardedLog, type ForwardedRecord } from '../src/devpanel/forwarded-log.ts';
import { createForwarder } from '../src/forward/index.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';
import { slackSignature as sign } from './helpers/slack-signature.ts';

let h: Harness | undefined;
let panel: DevPanel | undefined;
afterEach(async () => {
  await panel?.close();
  panel = undefined;
  await h?.cleanup();
  h = undefined;
});

/** A raw HTTP/1.1 request over loopback, with exactly the headers given (Host included). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev panel against real Slack: DNS rebinding', () => {
  // A page at http://rebind.attacker.example:PORT/ whose name the attacker re-points at 127.0.0.1 is, for the
  // browser, same-origin with the panel. A same-origin GET carries no Origin header, so the panel's "no Origin =
  // not a browser" rule lets it through: the attacker's page reads a live wss:// URL for the real app and
  // receives every envelope. The Host header is the only thing that tells this request apart.
  test('a same-origin GET from a rebound name (foreign Host, no Origin) gets no connection URL', async () => {
    h = await harness();
    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl });
    expect(panel.mode).toBe('slack');
    const opensBefore = h.sim.openCalls;
    const rebound = await rawRequest(panel.port, 'GET', '/connection-url', {
      host: `rebind.attacker.example:${panel.port}`,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
    });
    expect(rebound.body).not.toContain('ticket=');
    expect(rebound.status).toBe(403);
    expect(h.sim.openCalls).toBe(opensBefore);
  });

  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  test.skipIf(!existsSync(chromiumPath))(
    'real Chromium: a page on a name rebound to 127.0.0.1 cannot read a connection URL',
    async () => {
      h = await harness();
      panel = await startDevPanel({
        appToken: h.sim.appToken,
        apiUrl: h.sim.apiUrl,
        staticDir: '/nonexistent-review-platform',
      });
      // The resolver rule stands in for the attacker's DNS answering 127.0.0.1 after the page has loaded.
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1',
        ],
      });
      try {
        const page = await browser.newPage();
        const sentOrigin: Array<string | undefined> = [];
        page.on('request', (r) => {
          if (r.url().endsWith('/connection-url')) sentOrigin.push(r.headers()['origin']);
        });
        await page.goto(`http://rebind.attacker.example:${panel.port}/healthz`);
        const [status, body] = await page.evaluate(async () => {
          const r = await fetch('/connection-url');
          return [r.status, await r.text()] as const;
        });
        expect(sentOrigin).toEqual([undefined]); // the browser sends no Origin: the Origin rule cannot catch it
        expect(body).not.toContain('ticket=');
        expect(status).toBe(403);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  test('the panel itself (loopback Host, own Origin) and a non-browser caller (loopback Host) still get one', async () => {
    h = await harness();
    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl });
    for (const host of [`127.0.0.1:${panel.port}`, `localhost:${panel.port}`]) {
      const own = await rawRequest(panel.port, 'POST', '/connection-url', { host, origin: `http://${host}` });
      expect(own.status, host).toBe(200);
      expect(JSON.parse(own.body).url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
      const curl = await rawRequest(panel.port, 'GET', '/connection-url', { host });
      expect(curl.status, host).toBe(200);
    }
  });
});

describe('dev panel in forward mode: GET /forwarded lists what the forwarder delivered', () => {
  const SECRET = 'panel-route-signing-secret-51d0e3';
  let app: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (app ? app.close(r) : r(undefined)));
    app = undefined;
  });

  test('each delivery with its status, ack and hint; `since` pages; no secret or token in the answer', async () => {
    h = await harness({ redeliveryDelaysMs: [] });
    // The app verifies Slack's signature itself: /slack/events with SECRET, /other with another app's secret.
    app = createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const ts = String(req.headers['x-slack-request-timestamp']);
      const secret = req.url === '/slack/events' ? SECRET : 'another-apps-secret';
      if (req.headers['x-slack-signature'] !== (await sign(secret, ts, raw))) return void res.writeHead(401).end();
      const form = new URLSearchParams(raw);
      if (form.get('command')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok: hi');
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => app!.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const log = createForwardedLog();
    const client = h.client();
    createForwarder({
      client,
      signingSecret: SECRET,
      to: `${base}/slack/events`,
      routes: { interactivity: `${base}/other` },
      onDelivery: log.add,
    });
    await client.start();
    panel = await startDevPanel({ simulator: h.sim, forwardTo: `${base}/slack/events`, forwarded: log });
    const config = await (await fetch(`${panel.url}config.json`)).json();
    expect(config).toMatchObject({ forwardTo: `${base}/slack/events`, forwarded: 'forwarded' });

    const mention = h.sim.inject('app_mention');
    await h.sim.waitForAck(mention.envelope_id);
    const command = h.sim.inject('slash_command', { command: '/fwd', text: 'hi' });
    await h.sim.waitForAck(command.envelope_id);
    h.sim.inject('block_actions');
    await until(() => log.since(0).total === 3, 'three deliveries', 5000);

    const res = await fetch(`${panel.url}forwarded?since=0`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(h.sim.appToken);
    const all = JSON.parse(text) as { total: number; records: ForwardedRecord[] };
    expect(all.total).toBe(3);
    expect(all.records.map((r) => [r.seq, r.type, r.what, r.status, r.acked, r.ackBytes, r.failure])).toEqual([
      [1, 'events_api', 'app_mention', 200, true, 0, undefined],
      [2, 'slash_commands', '/fwd', 200, true, JSON.stringify({ text: 'ok: hi' }).length, undefined],
      [3, 'interactive', all.records[2]!.what, 401, false, 0, 'status'],
    ]);
    expect(all.records[1]!.ack).toEqual({ text: 'ok: hi' });
    expect(all.records[0]!.ack).toBeUndefined();
    expect(all.records[0]!.target).toBe(`${base}/slack/events`);
    expect(all.records[2]!.target).toBe(`${base}/other`);
    expect(all.records[2]!.hint).toMatch(/answered 401: is SLACK_SIGNING_SECRET the app's signing secret/);
    expect(all.records.filter((r) => r.hint !== undefined)).toHaveLength(1);

    const later = (await (await fetch(`${panel.url}forwarded?since=2`)).json()) as { records: ForwardedRecord[] };
    expect(later.records.map((r) => r.seq)).toEqual([3]);
    expect((await fetch(`${panel.url}forwarded?since=x`)).status).toBe(400);
    expect((await fetch(`${panel.url}forwarded`, { method: 'POST' })).status).toBe(405);
  });

  test('without forwarding the route is 404; the ring keeps the newest; real Slack: a foreign Host gets nothing', async () => {
    h = await harness();
    panel = await startDevPanel({ simulator: h.sim });
    expect((await fetch(`${panel.url}forwarded`)).status).toBe(404);
    expect(await (await fetch(`${panel.url}config.json`)).json()).not.toHaveProperty('forwarded');
    await panel.close();

    const log = createForwardedLog(2);
    for (const id of ['E1', 'E2', 'E3'])
      log.add({ envelope_id: id, type: 'events_api', kind: 'events', what: 'message', target: 'handler' } as never);
    expect(log.since(0)).toMatchObject({ total: 3, records: [{ seq: 2 }, { seq: 3 }] });

    panel = await startDevPanel({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl, forwarded: log });
    const rebound = await rawRequest(panel.port, 'GET', '/forwarded', {
      host: `rebind.attacker.example:${panel.port}`,
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('E3');
    const own = await rawRequest(panel.port, 'GET', '/forwarded', { host: `127.0.0.1:${panel.port}` });
    expect(own.status).toBe(200);
    expect(own.body).toContain('E3');
  });
});
