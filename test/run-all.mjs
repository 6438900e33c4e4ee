#!/usr/bin/env node
// `npm test`: every suite, every runtime, one summary. Each suite reports its own pass/fail; a suite that
// cannot start counts as failed (never a silent skip).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'sma-test-'));
const only = process.argv.slice(2);
const results = [];

// Tests talk to loopback only, and the client proxies loopback unless NO_PROXY names it (curl's rule): a machine's
// own proxy settings (a CI runner's, for its package registry) must not reach them. The proxy tests set their own.
const testEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?|all|no)_proxy$/i.test(k)));

function run(name, cmd, args, env = {}) {
  if (only.length && !only.includes(name)) return null;
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...testEnv, ...env } });
  return r.status ?? 1;
}

// 1. types, formatting (prettier --check; `npm run format` fixes) and build: the runtime suites load the built package.
const tc = run('typecheck', 'npm', ['run', 'typecheck', '--silent']);
if (tc !== null) results.push({ name: 'typecheck', passed: tc === 0 ? 1 : 0, failed: tc === 0 ? 0 : 1 });
const fm = run('format', 'npx', ['prettier', '--check', '--log-level=warn', '.']);
if (fm !== null) results.push({ name: 'format', passed: fm === 0 ? 1 : 0, failed: fm === 0 ? 0 : 1 });
const bd = run('build', 'npm', ['run', 'build', '--silent']);
if (bd !== null) results.push({ name: 'build', passed: bd === 0 ? 1 : 0, failed: bd === 0 ? 0 : 1 });

// 2. vitest: Node suites, plus the Deno / Bun / workerd / Node-global conformance runners.
const vJson = join(out, 'vitest.json');
const vs = run('vitest', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vJson}`,
]);
if (vs !== null) {
  if (existsSync(vJson)) {
    const j = JSON.parse(readFileSync(vJson, 'utf8'));
    results.push({
      name: 'vitest',
      passed: j.numPassedTests,
      failed: j.numFailedTests + (vs !== 0 && j.numFailedTests === 0 ? 1 : 0),
    });
  } else results.push({ name: 'vitest', passed: 0, failed: 1 });
}

// 3. Playwright in Debian's Chromium: conformance in a page, dev panel.
const pJson = join(out, 'playwright.json');
const ps = run('playwright', 'npx', ['playwright', 'test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: pJson,
});
if (ps !== null) {
  if (existsSync(pJson)) {
    const s = JSON.parse(readFileSync(pJson, 'utf8')).stats ?? {};
    const failed = (s.unexpected ?? 0) + (s.flaky ?? 0);
    results.push({ name: 'playwright', passed: s.expected ?? 0, failed: failed + (ps !== 0 && failed === 0 ? 1 : 0) });
  } else results.push({ name: 'playwright', passed: 0, failed: 1 });
}

console.log('\n=== summary');
let passed = 0,
  failed = 0;
for (const r of results) {
  console.log(`${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`Tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
