// Baseline: the official @slack/socket-mode 3.1.0 (undici WebSocket), default options except the API
// URL (the simulator) and log level. Handlers ack first, as its docs recommend.
import { SocketModeClient } from '@slack/socket-mode';
import { runClient } from './harness.mjs';

runClient({
  name: 'official',
  describe: '@slack/socket-mode 3.1.0, default options (slackApiUrl -> simulator)',
  autoAcks: false,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    const client = new SocketModeClient({ appToken, logLevel: 'error', clientOptions: { slackApiUrl: apiUrl } });
    client.on('slack_event', onEnvelope);
    client.on('error', onError); // counted and reported, see harness.mjs
    return {
      start: () => client.start(),
      stop: () => client.disconnect(),
    };
  },
});
