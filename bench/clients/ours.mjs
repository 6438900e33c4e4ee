// Client under test: socket-mode-anywhere, the built package (dist/), Node entry (ws via isomorphic-ws
// on Node 20). Default options except the API URL (the simulator) and log level.
import { SocketModeClient } from '../../dist/platform/node.js';
import { runClient } from './harness.mjs';

runClient({
  name: 'ours',
  describe: 'socket-mode-anywhere (dist/platform/node.js), default options (apiUrl -> simulator)',
  autoAcks: false,
  create({ apiUrl, appToken, onEnvelope }) {
    const client = new SocketModeClient({ appToken, apiUrl, logLevel: 'error' });
    client.on('slack_event', onEnvelope);
    client.on('error', () => {});
    return {
      start: () => client.start(),
      stop: () => client.disconnect(),
    };
  },
});
