// Process entry for Deno, Bun and Node's global WebSocket: the runtime's own WebSocket (Bun's and Deno's through
// their platform entries, as the package's exports give them).
// Usage: <runtime> entry.ts <simUrl> <appToken> <runtimeName> [conformance|liveness|silence|core|no-net]
// (core: the conformance scenario with the core client, socket-mode-anywhere/core)
import { SocketModeClient } from '../../src/index.ts';
import { CoreClient } from '../../src/core/index.ts';
import { runConformance } from './scenario.ts';
import { runLiveness } from './liveness.ts';
import { runSilence } from './silence.ts';

const g = globalThis as any;
// Bun and Deno load the package's entries for their runtime (its networking: proxy support), as users get them.
if (g.Bun) await import('../../src/platform/bun.ts');
else if (g.Deno) await import('../../src/platform/deno.ts');
const args: string[] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const [simUrl, appToken, runtime, which = 'conformance'] = args as [string, string, string, string?];

if (typeof g.WebSocket !== 'function') {
  console.log(
    'CONFORMANCE ' + JSON.stringify({ runtime, ok: false, checks: [{ name: 'global WebSocket exists', ok: false }] }),
  );
} else if (which === 'no-net') {
  // Run without network permission (Deno without --allow-net): start() must reject with why, not retry for ever.
  const client = new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any });
  const stopped = new Promise<{ willReconnect: boolean; error?: { code?: string } }>((r) =>
    client.once('disconnected', r),
  );
  const err = await client.start().then(
    () => undefined,
    (e: { code?: string; message?: string }) => e,
  );
  const checks = [
    { name: 'start() rejects with a network_error', ok: err?.code === 'network_error', detail: err?.message },
    { name: 'the error says which permission is missing', ok: /allow-net/.test(String(err?.message)) },
    {
      name: 'the client stops, saying why',
      ok: await stopped.then((d) => !d.willReconnect && d.error?.code === 'network_error'),
    },
  ];
  console.log('CONFORMANCE ' + JSON.stringify({ runtime, ok: checks.every((c) => c.ok), checks }));
} else if (which === 'liveness') {
  const report = await runLiveness({
    simUrl,
    runtime,
    // Fast pings so a half-open socket is found quickly; only runtimes whose socket can ping pass this.
    createClient: () =>
      new SocketModeClient({
        appToken,
        apiUrl: `${simUrl}/api/`,
        logLevel: 'error' as any,
        pingIntervalMs: 100,
        pongTimeoutMs: 300,
      }),
    createDefaultClient: () => new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
  });
  console.log('CONFORMANCE ' + JSON.stringify(report));
} else if (which === 'silence') {
  const report = await runSilence({
    simUrl,
    runtime,
    createPool: () =>
      new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any, connections: 2 }),
  });
  console.log('CONFORMANCE ' + JSON.stringify(report));
  // The dead path's TCP connection stays open (a standard WebSocket cannot reset it, and a dead path never answers
  // our close): nothing of the client's is left, but the runtime would wait on that socket.
  if (g.Deno) g.Deno.exit(0);
  else g.process.exit(0);
} else {
  const report = await runConformance({
    simUrl,
    runtime,
    createClient: () =>
      new (which === 'core' ? CoreClient : SocketModeClient)({
        appToken,
        apiUrl: `${simUrl}/api/`,
        logLevel: 'error' as any,
      }),
  });
  console.log('CONFORMANCE ' + JSON.stringify(report));
}
