import { build, type Plugin } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
export const outDir = join(root, 'node_modules/.cache/sma-bundles');

/**
 * Examples import the package by name, as a user would. In tests that name resolves to this repo's source,
 * following the same split as package.json `exports`: Node gets the entry that registers `ws`, every other
 * runtime the neutral one. (test/packaging.test.ts checks the built package's own exports.)
 */
function sourcePackage(target: 'node' | 'workerd' | 'browser'): Plugin {
  return {
    name: 'socket-mode-anywhere-source',
    setup(b) {
      b.onResolve({ filter: /^socket-mode-anywhere$/ }, () => ({
        path: join(root, target === 'node' ? 'src/platform/node.ts' : 'src/index.ts'),
      }));
      b.onResolve({ filter: /^socket-mode-anywhere\/redis$/ }, () => ({ path: join(root, 'src/redis/index.ts') }));
    },
  };
}

/** Bundles a test entry the way a user's bundler would for that runtime (export conditions included). */
export async function bundle(entry: string, name: string, target: 'node' | 'workerd' | 'browser'): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: target === 'node' ? 'node' : 'browser',
    conditions: target === 'workerd' ? ['workerd', 'worker', 'browser'] : target === 'browser' ? ['browser'] : ['node'],
    external: target === 'workerd' ? ['cloudflare:*'] : [],
    // Node loads dependencies from node_modules as a user's app does (ws is CommonJS).
    ...(target === 'node' ? { packages: 'external' as const } : {}),
    target: 'es2022',
    logLevel: 'silent',
    plugins: [sourcePackage(target)],
  });
  return outfile;
}
