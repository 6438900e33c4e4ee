// The same Bolt 5 app on this package's receiver (socket-mode-anywhere/bolt, the built dist/), default options
// except the API URL (the simulator) and log level.
import { runClient } from './harness.mjs';
import { boltApp } from './bolt-app.mjs';

const { SocketModeReceiver } = await import(new URL('../../dist/bolt/node.js', import.meta.url).href);

runClient({
  name: 'bolt-ours',
  describe: 'socket-mode-anywhere/bolt SocketModeReceiver on @slack/bolt 5.1.0, default options (apiUrl -> simulator)',
  autoAcks: false,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    const receiver = new SocketModeReceiver({ appToken, apiUrl, logLevel: 'error' });
    return boltApp({ receiver, apiUrl, onEnvelope, onError });
  },
});
