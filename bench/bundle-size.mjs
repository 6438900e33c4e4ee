// Bundle sizes, with esbuild: our client for the browser and for workerd (package exports conditions), the core
// (`import { CoreClient } from 'socket-mode-anywhere/core'`), the core composed with dedupe alone, and the full client
// (`… from 'socket-mode-anywhere'`), minified + gzipped; against what
// @slack/socket-mode needs (its Node bundle: it does not bundle for the browser). The metafile tells
// whether `ws` / `isomorphic-ws` ended up in a browser/workerd bundle (they must not).
// Run alone: node bench/bundle-size.mjs
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

const TARGETS = [
  {
    name: 'ours-core-browser',
    pkg: 'socket-mode-anywhere/core',
    platform: 'browser',
    conditions: ['browser'],
    contents: "import { CoreClient } from 'socket-mode-anywhere/core';\nexport { CoreClient };\n",
  },
  // A client composed from the core and one feature: the bundler drops every feature not chosen.
  {
    name: 'ours-dedupe-only-browser',
    pkg: 'socket-mode-anywhere',
    platform: 'browser',
    conditions: ['browser'],
    contents:
      "import { CoreClient, dedupe } from 'socket-mode-anywhere';\nexport const client = (o) => new CoreClient({ ...o, features: [dedupe()] });\n",
  },
  {
    name: 'ours-core-workerd',
    pkg: 'socket-mode-anywhere/core',
    contents: "import { CoreClient } from 'socket-mode-anywhere/core';\nexport { CoreClient };\n",
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    mainFields: ['browser', 'module', 'main'],
  },
  { name: 'ours-browser', pkg: 'socket-mode-anywhere', platform: 'browser', conditions: ['browser'] },
  {
    name: 'ours-workerd',
    pkg: 'socket-mode-anywhere',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    mainFields: ['browser', 'module', 'main'],
  },
  {
    name: 'ours-node',
    pkg: 'socket-mode-anywhere',
    platform: 'node',
    conditions: ['node'],
    external: ['bufferutil', 'utf-8-validate'],
  },
  { name: 'official-node', pkg: '@slack/socket-mode', platform: 'node', conditions: ['node'] },
  {
    name: 'official-browser',
    pkg: '@slack/socket-mode',
    platform: 'browser',
    conditions: ['browser'],
    expectFailure: true,
  },
];

const FORBIDDEN = /(^|\/)node_modules\/(ws|isomorphic-ws)\//;

async function measure(t) {
  const contents = t.contents ?? `import { SocketModeClient } from '${t.pkg}';\nexport { SocketModeClient };\n`;
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents, resolveDir: here, sourcefile: `entry-${t.name}.mjs`, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: t.platform,
      conditions: t.conditions,
      ...(t.mainFields ? { mainFields: t.mainFields } : {}),
      external: t.external ?? [],
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = err.errors ?? [];
    const nodeImports = new Set(errors.map((e) => /"(node:[^"]+|[a-z_]+)"/.exec(e.text)?.[1]).filter(Boolean));
    return {
      name: t.name,
      ok: false,
      errors: errors.length,
      unresolved: [...nodeImports].slice(0, 12),
      expectedFailure: !!t.expectFailure,
    };
  }
  const code = result.outputFiles[0].contents;
  const inputs = Object.entries(result.metafile.outputs)[0][1].inputs;
  const byPackage = {};
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file;
    byPackage[key] = (byPackage[key] ?? 0) + bytesInOutput;
  }
  const inputFiles = Object.keys(result.metafile.inputs);
  const forbidden = inputFiles.filter((f) => FORBIDDEN.test(f));
  return {
    name: t.name,
    ok: true,
    conditions: t.conditions,
    minBytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    containsWs: forbidden.length > 0,
    forbiddenInputs: forbidden,
    inputs: inputFiles.length,
    byPackage: Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1] - a[1])),
  };
}

// Where the browser bytes go: the layers of the client, each bundled on its own (browser conditions), from
// dist/. Each line includes the ones above it.
const LAYERS = [
  {
    name: 'layer-parse',
    label: 'frame parser + valibot schemas',
    code: "export { parseText } from '../dist/core/parse.js';",
  },
  {
    name: 'layer-connection',
    label: '+ connection (socket, hello, close, rotation)',
    code: "export { parseText } from '../dist/core/parse.js'; export { Connection } from '../dist/core/connection.js';",
  },
  {
    name: 'layer-acks',
    label: '+ ack queue',
    code: "export { Connection } from '../dist/core/connection.js'; export { AckQueue } from '../dist/core/ack-queue.js';",
  },
  // Without the loop itself: what the reconnect loop is built from. Together with the two lines below, these say
  // what the core's 6 KB goal is up against (see bench/README.md, Goals).
  {
    name: 'layer-loop-parts',
    label: '+ apps.connections.open call, typed errors, redacting logger, backoff (all but the loop)',
    code: "export { Connection } from '../dist/core/connection.js'; export { AckQueue } from '../dist/core/ack-queue.js'; export { openConnectionUrl } from '../dist/core/web-api.js'; export { ConnectionError, DisconnectedError, HandlerError, InvalidOptionsError, InvalidTokenError, LinkDisabledError, NoWebSocketError } from '../dist/core/errors.js'; export { ConsoleLogger, redactingLogger } from '../dist/core/logger.js'; export { Backoff } from '../dist/core/backoff.js';",
  },
  {
    name: 'layer-core',
    label: '= the core client (slots, make-before-break, reconnect loop, events, errors)',
    code: "export { CoreClient } from '../dist/core/client.js';",
  },
  {
    name: 'layer-client',
    label: '= the full client (+ dedupe, pings, coalescing, proactive refresh, handler bound, binary frames)',
    code: "export { SocketModeClient } from '../dist/client.js';",
  },
  // Alone, not cumulative: the two things every part above reports through (Standards: typed errors, no token in logs).
  {
    name: 'part-errors-logger',
    label: '(alone: typed errors + redacting logger)',
    code: "export * from '../dist/core/errors.js'; export { ConsoleLogger, redactingLogger } from '../dist/core/logger.js';",
  },
];

export async function bundleSizes() {
  const out = {};
  for (const t of TARGETS) out[t.name] = await measure(t);
  for (const l of LAYERS) {
    const r = await measure({ name: l.name, platform: 'browser', conditions: ['browser'], contents: l.code });
    out[l.name] = { ...r, label: l.label, layer: true };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await bundleSizes();
  for (const v of Object.values(r)) {
    if (v.ok)
      console.log(
        `${v.name.padEnd(18)} ${(v.minBytes / 1024).toFixed(1)} KB min  ${(v.gzipBytes / 1024).toFixed(1)} KB gzip  ws/isomorphic-ws inside: ${v.containsWs}`,
      );
    else
      console.log(
        `${v.name.padEnd(18)} does not bundle: ${v.errors} errors (${v.unresolved.join(', ')}${v.unresolved.length >= 12 ? ', …' : ''})`,
      );
    if (v.ok && v.name.startsWith('ours')) console.log('   ', JSON.stringify(v.byPackage));
  }
}
