// The Bolt app the bench runs on a receiver (Bolt's own SocketModeReceiver or ours): listeners as Bolt's docs
// write them — events are acked by Bolt itself before the listener runs, commands and actions ack first.
// authorize() answers from memory, so Bolt makes no Web API call per envelope (the bench measures the receiver).
import bolt from '@slack/bolt';

const { App, LogLevel } = bolt;

export function boltApp({ receiver, apiUrl, onEnvelope, onError }) {
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-1-simulator', botId: 'B0BOT', botUserId: 'U0BOT' }),
    clientOptions: { slackApiUrl: apiUrl },
    logLevel: LogLevel.ERROR,
  });
  const acked = async () => {};
  app.event(/.*/, async () => onEnvelope({ ack: acked }));
  app.command(/.*/, async ({ ack }) => onEnvelope({ ack }));
  app.action(/.*/, async ({ ack }) => onEnvelope({ ack }));
  app.error(async (e) => onError(e));
  return { start: () => app.start(), stop: () => app.stop() };
}
