import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ command }) => ({
  // vitest (Node suites)
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
  // `vite build`: the browser dev panel, src/devpanel/index.html -> dist/devpanel/ (served by
  // src/devpanel/server.ts). `vite` (serve) keeps root '.', so Playwright's pages under /test/browser/pages
  // and the panel at /src/devpanel/index.html?backend=… both work from the dev server.
  ...(command === 'build'
    ? {
        root: here('./src/devpanel'),
        base: './',
        publicDir: false as const,
        build: {
          outDir: here('./dist/devpanel'),
          // tsc writes dist/devpanel/server.js beside the page: never wipe it (`npm run build` starts from rm -rf dist).
          emptyOutDir: false,
          target: 'es2022',
          assetsDir: 'assets',
          sourcemap: false, // keeps the published package lean; debug the panel from the vite dev server
          reportCompressedSize: false,
        },
      }
    : {}),
}));
