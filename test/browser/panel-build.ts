// The dev panel page built exactly as `npm start` serves it (vite build), into a private directory: no race with
// dist/ or with another spec's build. Returns the directory; the caller removes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function buildPanelPage(prefix: string): string {
  const outDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    stdio: 'pipe',
    timeout: 60_000,
  });
  return outDir;
}
