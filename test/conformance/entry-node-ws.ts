// Process entry for Node through the node platform entry: isomorphic-ws (`ws`), with or without a global WebSocket.
// Usage: node entry-node-ws.mjs <simUrl> <appToken> <runtimeName> [conformance|liveness]
import { SocketModeClient } from '../../src/platform/node.ts';
import { runConformance } from './scenario.ts';
import { runLiveness } from './liveness.ts';

const [simUrl, appToken, runtime, which = 'conformance'] = process.argv.slice(2) as [string, string, string, string?];
const report =
  which === 'liveness'
    ? await runLiveness({
        simUrl,
        runtime,
        createClient: () =>
          new SocketModeClient({
            appToken,
            apiUrl: `${simUrl}/api/`,
            logLevel: 'error' as any,
            pingIntervalMs: 100,
            pongTimeoutMs: 300,
          }),
        createDefaultClient: () =>
          new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
      })
    : await runConformance({
        simUrl,
        runtime,
        createClient: () => new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
      });
console.log('CONFORMANCE ' + JSON.stringify(report));
