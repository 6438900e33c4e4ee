import { defineConfig } from '@playwright/test';

// Debian's chromium, never a downloaded browser build (`npx playwright install` cannot work on these machines).
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const vitePort = Number(process.env.VITE_PORT || 5199);

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  globalSetup: './test/browser/global-setup.ts',
  timeout: 60_000,
  workers: 1,
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${vitePort}`,
    launchOptions: {
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `npx vite --host 127.0.0.1 --port ${vitePort} --strictPort`,
    url: `http://127.0.0.1:${vitePort}/test/browser/pages/conformance.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
