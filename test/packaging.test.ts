// What users install: the packed tarball's contents, its exports map (publint, are-the-types-wrong), and what
// a bundler pulls in for each runtime through those exports — `ws` must never reach a browser or workerd bundle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { root } from './helpers/bundle.ts';

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  }
});

describe('package', () => {
  it('npm pack ships dist, README and LICENSE only', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/platform/node.js');
    expect(files).toContain('dist/core/index.js');
    expect(files).toContain('dist/core/index.d.ts');
    expect(files).toContain('dist/bolt/index.js');
    expect(files).toContain('dist/bolt/node.js');
    expect(files).toContain('dist/bolt/index.d.ts');
    expect(files).toContain('dist/redis/index.js');
    expect(files).toContain('dist/redis/index.d.ts');
    expect(files).toContain('dist/forward/index.js');
    expect(files).toContain('dist/forward/index.d.ts');
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    const stray = files.filter((f) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f));
    expect(stray).toEqual([]);
    expect(files.filter((f) => f.includes('.test.') || f.startsWith('test/'))).toEqual([]);
  });

  it('publint finds nothing to fix', async () => {
    const { publint } = await import('publint');
    const { messages } = await publint({ pkgDir: root, strict: true, level: 'warning' });
    expect(messages.map((m) => `${m.type} ${m.code} ${m.path?.join('.')}`)).toEqual([]);
  });

  it('are-the-types-wrong: types resolve for every ESM resolution mode', () => {
    let out: string;
    try {
      out = execFileSync(
        join(root, 'node_modules/.bin/attw'),
        ['--pack', '.', '--profile', 'esm-only', '--format', 'json'],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
    } catch (e: any) {
      out = e.stdout; // attw exits 1 when it finds problems; the JSON says which
    }
    const report = JSON.parse(out);
    const problems = (report.analysis?.problems ?? []).filter(
      (p: any) => !(p.resolutionKind === 'node10' || p.resolutionKind === 'node16-cjs'),
    );
    expect(problems).toEqual([]);
  });
});

describe('bundles through the exports map', () => {
  // A throwaway project that depends on this package the way a user's does (node_modules symlink).
  const project = mkdtempSync(join(tmpdir(), 'sma-consumer-'));
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules/socket-mode-anywhere'), 'dir');
  writeFileSync(join(project, 'entry.js'), "export { SocketModeClient } from 'socket-mode-anywhere';\n");
  writeFileSync(join(project, 'core.js'), "export { CoreClient } from 'socket-mode-anywhere/core';\n");
  // A client composed from the core and one feature, through the main entry.
  writeFileSync(
    join(project, 'dedupe-only.js'),
    "import { CoreClient, dedupe } from 'socket-mode-anywhere';\nexport const make = (o) => new CoreClient({ ...o, features: [dedupe()] });\n",
  );

  async function bundleFor(conditions: string[], platform: 'browser' | 'node', entry = 'entry.js') {
    const result = await build({
      entryPoints: [join(project, entry)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform,
      conditions,
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: project,
    });
    const inputs = Object.keys(result.metafile.inputs);
    // What the output holds, file by file (tree shaking leaves unused modules in `inputs` with 0 bytes here).
    const used = Object.entries(Object.values(result.metafile.outputs)[0]!.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k);
    return { inputs, used, gzip: gzipSync(result.outputFiles[0]!.contents).length };
  }

  for (const [name, conditions] of [
    ['browser', ['browser']],
    ['workerd', ['workerd', 'worker', 'browser']],
    ['deno', ['deno']],
  ] as const) {
    it(`${name}: no ws / isomorphic-ws in the bundle`, async () => {
      const { inputs, gzip } = await bundleFor([...conditions], 'browser');
      expect(inputs.some((i) => i.includes('dist/index.js'))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(ws|isomorphic-ws)\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => i.includes('simulator'))).toEqual([]);
      expect(gzip).toBeGreaterThan(0);
    });
  }

  // The core entry, on every runtime's conditions: the core client alone — no ws, none of the full client's features.
  for (const [name, conditions, platform] of [
    ['browser', ['browser'], 'browser'],
    ['workerd', ['workerd', 'worker', 'browser'], 'browser'],
    ['node', ['node'], 'node'],
  ] as const) {
    it(`socket-mode-anywhere/core (${name}): the core client only`, async () => {
      const { inputs } = await bundleFor([...conditions], platform, 'core.js');
      expect(inputs.some((i) => i.includes('dist/core/index.js'))).toBe(true);
      expect(inputs.some((i) => i.includes('dist/core/client.js'))).toBe(true);
      expect(
        inputs.filter(
          (i) => /node_modules\/(ws|isomorphic-ws)\//.test(i) || /dist\/(features|platform)\/|dist\/client\.js/.test(i),
        ),
      ).toEqual([]);
    });
  }

  it('a CoreClient composed with dedupe alone: the bundle holds dedupe and none of the other features', async () => {
    const full = await bundleFor(['browser'], 'browser');
    const composed = await bundleFor(['browser'], 'browser', 'dedupe-only.js');
    const features = (files: string[]) =>
      files.map((f) => /dist\/features\/([\w-]+)\.js$/.exec(f)?.[1]).filter((f): f is string => !!f);
    expect(features(composed.used).sort()).toEqual(['dedupe', 'dedupe-store']);
    expect(features(full.used)).toEqual(expect.arrayContaining(['pool', 'liveness', 'handler-bound', 'dedupe']));
    expect(composed.gzip).toBeLessThan(full.gzip);
  });

  // Bun and Deno resolve npm packages with the `node` condition too, and so does wrangler with nodejs_compat:
  // their own entries must win there (Bun's and Deno's: the neutral one + their networking), which is why their
  // conditions come before `node` in the map.
  for (const [name, conditions, platformEntry] of [
    ['bun', ['bun'], 'dist/platform/bun.js'],
    ['deno', ['deno'], 'dist/platform/deno.js'],
    ['workerd + nodejs_compat', ['workerd', 'worker', 'browser'], undefined],
  ] as const) {
    it(`${name} beside the node condition: its own entry, no ws`, async () => {
      const { inputs } = await bundleFor([...conditions], 'node');
      expect(inputs.some((i) => i.includes('dist/index.js'))).toBe(true);
      expect(
        inputs.filter(
          (i) => i.includes('dist/platform/') || /node_modules\/(ws|isomorphic-ws|https-proxy-agent)\//.test(i),
        ),
      ).toEqual(platformEntry ? expect.arrayContaining([expect.stringContaining(platformEntry)]) : []);
      expect(
        inputs.filter((i) => /dist\/platform\/node|node_modules\/(ws|isomorphic-ws|https-proxy-agent)\//.test(i)),
      ).toEqual([]);
    });
  }

  // socket-mode-anywhere/bolt: the receiver only. Bolt is a type (an optional peer): never in the bundle.
  writeFileSync(join(project, 'bolt.js'), "export { SocketModeReceiver } from 'socket-mode-anywhere/bolt';\n");
  for (const [name, conditions, platform, entry] of [
    ['node', ['node'], 'node', 'dist/bolt/node.js'],
    ['bun', ['bun'], 'node', 'dist/bolt/index.js'],
    ['deno', ['deno'], 'node', 'dist/bolt/index.js'],
  ] as const) {
    it(`socket-mode-anywhere/bolt (${name}): ${entry}, no @slack/bolt`, async () => {
      const { inputs, gzip } = await bundleFor([...conditions], platform, 'bolt.js');
      expect(inputs.some((i) => i.includes(entry))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/@slack\//.test(i))).toEqual([]);
      expect(inputs.some((i) => /node_modules\/(ws|isomorphic-ws)\//.test(i))).toBe(name === 'node');
      expect(gzip).toBeGreaterThan(0);
    });
  }

  // socket-mode-anywhere/redis: the dedupe store and the fleet; the app brings its own Redis client (never bundled).
  writeFileSync(
    join(project, 'redis.js'),
    "export { redisDedupeStore, redisFleet } from 'socket-mode-anywhere/redis';\n",
  );
  for (const [name, conditions, platform] of [
    ['node', ['node'], 'node'],
    ['workerd', ['workerd', 'worker', 'browser'], 'browser'],
    ['deno', ['deno'], 'node'],
  ] as const) {
    it(`socket-mode-anywhere/redis (${name}): dist/redis/index.js, no Redis client, no ws`, async () => {
      const { inputs, gzip } = await bundleFor([...conditions], platform, 'redis.js');
      expect(inputs.some((i) => i.includes('dist/redis/index.js'))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(redis|@redis|ioredis|ws|isomorphic-ws)\//.test(i))).toEqual([]);
      expect(gzip).toBeGreaterThan(0);
    });
  }

  // socket-mode-anywhere/forward: the forwarder alone (Web Crypto, fetch), on every runtime; never a client bundle's.
  writeFileSync(join(project, 'forward.js'), "export { createForwarder } from 'socket-mode-anywhere/forward';\n");
  for (const [name, conditions, platform] of [
    ['node', ['node'], 'node'],
    ['workerd', ['workerd', 'worker', 'browser'], 'browser'],
    ['deno', ['deno'], 'node'],
  ] as const) {
    it(`socket-mode-anywhere/forward (${name}): dist/forward/index.js, no ws, no client`, async () => {
      const { inputs, gzip } = await bundleFor([...conditions], platform, 'forward.js');
      expect(inputs.some((i) => i.includes('dist/forward/index.js'))).toBe(true);
      expect(inputs.filter((i) => /node_modules\/(ws|isomorphic-ws)\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => /dist\/(client|core\/client)\.js/.test(i))).toEqual([]);
      expect(gzip).toBeGreaterThan(0);
    });
  }

  it('package.json: @slack/bolt is an optional peer dependency covering Bolt 4 and 5', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.peerDependencies['@slack/bolt']).toBe('^4.0.0 || ^5.0.0');
    expect(pkg.peerDependenciesMeta['@slack/bolt']).toEqual({ optional: true });
    expect(pkg.dependencies['@slack/bolt']).toBeUndefined();
  });

  it('node: the node entry brings isomorphic-ws for Node 20', async () => {
    const { inputs } = await bundleFor(['node'], 'node');
    expect(inputs.some((i) => i.includes('dist/platform/node.js'))).toBe(true);
    expect(inputs.some((i) => /node_modules\/isomorphic-ws\//.test(i))).toBe(true);
  });
});
