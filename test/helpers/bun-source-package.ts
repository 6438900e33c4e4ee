// Bun preload for tests: the examples import 'socket-mode-anywhere' by name, as users do; here that name
// resolves to this repo's source for Bun (what the package's `bun` export condition points at).
import { plugin } from 'bun';
import { join } from 'node:path';

plugin({
  name: 'socket-mode-anywhere-source',
  setup(build) {
    build.onResolve({ filter: /^socket-mode-anywhere$/ }, () => ({
      path: join(import.meta.dir, '../../src/platform/bun.ts'),
    }));
  },
});
