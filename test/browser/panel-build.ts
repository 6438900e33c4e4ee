// The dev panel page built exactly as `npm start` serves it (vite build), into a private directory: no race with
// dist/ or with another spec's build. Returns the directory; the caller removes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startDevPanel, type DevPanel } from '../../src/devpanel/server.ts';

export function buildPanelPage(prefix: string): string {
  const outDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    stdio: 'pipe',
    timeout: 60_000,
  });
  return outDir;
}

export interface ServedPanel {
  sim: Simulator;
  panel: DevPanel;
  /** The built page's directory (removed after the file's tests). */
  outDir: string;
}

/**
 * The panel specs' common setup, registered on the calling spec file: its tests run in order on one laptop-sized
 * page, against one built page, one simulator (short refresh timings) and one dev panel server, all stopped after.
 * The fields are set by the time the file's own beforeAll hooks run.
 */
export function servePanel(prefix: string): ServedPanel {
  const served = {} as ServedPanel;
  test.describe.configure({ mode: 'serial' });
  test.use({ viewport: { width: 1366, height: 800 } });
  test.beforeAll(async () => {
    served.outDir = buildPanelPage(prefix);
    served.sim = await startSimulator({ refreshWarningLeadMs: 600, refreshCloseDelayMs: 400 });
    served.panel = await startDevPanel({ simulator: served.sim, staticDir: served.outDir });
  });
  test.afterAll(async () => {
    await served.panel?.close();
    await served.sim?.close();
    if (served.outDir) rmSync(served.outDir, { recursive: true, force: true });
  });
  return served;
}
