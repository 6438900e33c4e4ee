// Process entry for Deno, Bun and Node's global WebSocket: the runtime's own WebSocket, no adapter.
// Usage: <runtime> entry.ts <simUrl> <appToken> <runtimeName>
import { SocketModeClient } from '../../src/index.ts';
import { runConformance } from './scenario.ts';

const g = globalThis as any;
const args: string[] = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const [simUrl, appToken, runtime] = args as [string, string, string];

if (typeof g.WebSocket !== 'function') {
  console.log('CONFORMANCE ' + JSON.stringify({ runtime, ok: false, checks: [{ name: 'global WebSocket exists', ok: false }] }));
} else {
  const report = await runConformance({
    simUrl,
    runtime,
    createClient: () => new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
  });
  console.log('CONFORMANCE ' + JSON.stringify(report));
}
