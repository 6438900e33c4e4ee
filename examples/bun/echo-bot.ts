// Echo bot on Bun: answers @-mentions in the channel and /echo with an ack payload. Bun's WebSocket has
// ping(), so the client checks liveness with pings here.
//   SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… bun echo-bot.ts
import { SocketModeClient, callApi } from 'socket-mode-anywhere';

const apiUrl = process.env.SLACK_API_URL; // undefined → https://slack.com/api/
const client = new SocketModeClient({ appToken: process.env.SLACK_APP_TOKEN, apiUrl });

client.on('app_mention', async ({ ack, event }) => {
  await ack(); // ack first: Slack wants it within 3 s, whatever the reply costs
  await callApi(
    'chat.postMessage',
    { channel: event.channel, text: `echo: ${event.text}` },
    { token: process.env.SLACK_BOT_TOKEN, apiUrl },
  );
});
client.on('slash_commands', async ({ ack, body }) => {
  // Said in the channel, then acked: work before the ack must fit in Slack's 3 s, and a graceful
  // disconnect() (SIGTERM below) waits for it.
  await callApi(
    'chat.postMessage',
    { channel: body.channel_id, text: `echo: ${body.text}` },
    { token: process.env.SLACK_BOT_TOKEN, apiUrl },
  );
  await ack({ text: `echo: ${body.text}` }); // the ack payload is the command's reply to its user
});
client.on('error', (err) => console.error(`[echo-bot] ${err.code}: ${err.message}`));
client.on('connected', ({ num_connections }) => console.log(`[echo-bot] connected (${num_connections} connection(s))`));

// SIGTERM (a deploy, a container stop) or SIGINT (Ctrl-C): disconnect() opens no new socket, lets the handlers
// ack every envelope already received (and any Slack still sends meanwhile), at most drainTimeoutMs (3 s), then
// closes. A second signal closes at once.
const stop = () => client.disconnect().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await client.start();
