// The dev panel server (startDevPanel) against real Slack: what it serves, and to whom. Real loopback sockets;
// the browser-driven tests are in test/browser/.
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { startDevPanel, type DevPanel } from '../src/devpanel/server.ts';
import { harness, type Harness } from './helpers/client-harness.ts';

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
