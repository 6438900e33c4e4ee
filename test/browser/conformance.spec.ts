import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { createConnectionUrlHandler } from '../../src/index.ts';
import { toNodeListener } from '../../src/platform/node-http.ts';

let sim: Simulator;
let backend: Server;
let backendUrl: string;

test.beforeAll(async () => {
  sim = await startSimulator({ refreshWarningLeadMs: 300, refreshCloseDelayMs: 200 });
  // The page comes from the vite server: that origin, and only that one, may ask for URLs.
  const pageOrigin = `http://127.0.0.1:${process.env.VITE_PORT || 5199}`;
  backend = createServer(
    toNodeListener(
      createConnectionUrlHandler({ appToken: sim.appToken, apiUrl: sim.apiUrl, allowOrigin: (o) => o === pageOrigin }),
    ),
  );
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/slack/connection-url`;
});

test.afterAll(async () => {
  await new Promise((r) => backend?.close(r));
  await sim?.close();
});

for (const [client, title] of [
  ['full', 'Chromium: the conformance scenario in a page, with no app token in the page'],
  ['core', 'Chromium: the same scenario with the core client (socket-mode-anywhere/core)'],
] as const)
  test(title, async ({ page }) => {
    const leaks: string[] = [];
    page.on('request', (req) => {
      const seen = req.url() + JSON.stringify(req.headers()) + (req.postData() ?? '');
      if (seen.includes(sim.appToken)) leaks.push(req.url());
    });
    await page.goto(
      `/test/browser/pages/conformance.html?sim=${encodeURIComponent(sim.url)}&backend=${encodeURIComponent(backendUrl)}&client=${client}`,
    );
    const report = await page
      .waitForFunction(() => (window as any).__report, undefined, { timeout: 50_000 })
      .then((h) => h.jsonValue());
    const failed = report.checks.filter((c: any) => !c.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(report.checks.length).toBeGreaterThanOrEqual(10);
    expect(leaks).toEqual([]);
    expect(await page.content()).not.toContain(sim.appToken);
  });
