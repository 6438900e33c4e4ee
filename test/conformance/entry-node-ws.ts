// Process entry for Node through the node platform entry: isomorphic-ws (`ws`) when there is no global WebSocket.
import { SocketModeClient } from '../../src/platform/node.ts';
import { runConformance } from './scenario.ts';

const [simUrl, appToken, runtime] = process.argv.slice(2) as [string, string, string];
const report = await runConformance({
  simUrl,
  runtime,
  createClient: () => new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
});
console.log('CONFORMANCE ' + JSON.stringify(report));
