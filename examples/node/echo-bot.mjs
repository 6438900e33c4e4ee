// Echo bot on Node: answers @-mentions in the channel and /echo with an ack payload.
//   SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… node echo-bot.mjs
// SLACK_API_URL points it at another Web API (the local simulator: `npx socket-mode-anywhere simulator`).
import { realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { SocketModeClient, callApi, createHealthHandler, toNodeListener } from 'socket-mode-anywhere';

export function createEchoBot({ appToken, botToken, apiUrl, log = console.log }) {
  const client = new SocketModeClient({ appToken, apiUrl });

  client.on('app_mention', async ({ ack, event }) => {
    await ack(); // ack first: Slack wants it within 3 s, whatever the reply costs
    await callApi(
      'chat.postMessage',
      { channel: event.channel, text: `echo: ${event.text}` },
      { token: botToken, apiUrl },
    );
  });
  client.on('slash_commands', async ({ ack, body }) => {
    // Said in the channel, then acked: work before the ack must fit in Slack's 3 s, and a graceful
    // disconnect() (SIGTERM below) waits for it.
    await callApi(
      'chat.postMessage',
      { channel: body.channel_id, text: `echo: ${body.text}` },
      { token: botToken, apiUrl },
    );
    await ack({ text: `echo: ${body.text}` }); // the ack payload is the command's reply to its user
  });
  client.on('error', (err) => log(`[echo-bot] ${err.code}: ${err.message}`));
  client.on('connected', ({ num_connections }) => log(`[echo-bot] connected (${num_connections} connection(s))`));
  return client;
}

// Run directly (not imported): compared as real paths, since Node resolves symlinks in the main module's URL.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const client = createEchoBot({
    appToken: process.env.SLACK_APP_TOKEN,
    botToken: process.env.SLACK_BOT_TOKEN,
    apiUrl: process.env.SLACK_API_URL, // undefined → https://slack.com/api/
  });
  // HEALTH_PORT: serve the client's health for a probe (GET /healthz: readiness, /healthz?probe=live: liveness).
  const health = process.env.HEALTH_PORT
    ? createServer(toNodeListener(createHealthHandler(client))).listen(Number(process.env.HEALTH_PORT), '127.0.0.1')
    : undefined;
  // SIGTERM (a deploy, a container stop) or SIGINT (Ctrl-C): disconnect() opens no new socket, lets the handlers
  // ack every envelope already received (and any Slack still sends meanwhile), at most drainTimeoutMs (3 s), then
  // closes. A second signal closes at once.
  const stop = () => client.disconnect().then(() => (health?.close(), process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Stopped for good by a fatal error (link_disabled, a revoked token): exit, so a process manager (or `dev`) starts
  // the bot again; the health server alone would keep a bot that takes no envelopes running.
  client.on('disconnected', ({ willReconnect, error }) => {
    if (!willReconnect && error) (health?.close(), process.exit(1));
  });
  await client.start();
}
