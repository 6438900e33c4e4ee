// A Bolt 5 app on Bolt's own SocketModeReceiver (@slack/socket-mode underneath), default options except the API
// URL (the simulator, through installerOptions.clientOptions) and log level.
import bolt from '@slack/bolt';
import { boltApp } from './bolt-app.mjs';
import { runClient } from './harness.mjs';

runClient({
  name: 'bolt-official',
  describe: "@slack/bolt 5.1.0's SocketModeReceiver, default options (slackApiUrl -> simulator)",
  autoAcks: false,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    const receiver = new bolt.SocketModeReceiver({
      appToken,
      logLevel: bolt.LogLevel.ERROR,
      installerOptions: { clientOptions: { slackApiUrl: apiUrl } },
    });
    return boltApp({ receiver, apiUrl, onEnvelope, onError });
  },
});
