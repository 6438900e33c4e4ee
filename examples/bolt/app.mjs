// A Bolt app on socket-mode-anywhere: Bolt's listeners as they are, one line changed (the receiver).
//   SLACK_APP_TOKEN=xapp-… SLACK_BOT_TOKEN=xoxb-… node app.mjs
// Against the local simulator with the dev panel: `npm start -- --bot examples/bolt/app.mjs` (SLACK_API_URL is
// the simulator's Web API; boltOptions() gives it to the receiver and to Bolt's own client alike).
import { createServer } from 'node:http';
import { App } from '@slack/bolt';
import { createHealthHandler } from 'socket-mode-anywhere';
import { boltOptions } from 'socket-mode-anywhere/bolt';

const modal = (title) => ({
  type: 'modal',
  callback_id: 'feedback',
  title: { type: 'plain_text', text: title },
  submit: { type: 'plain_text', text: 'Send' },
  blocks: [
    {
      type: 'input',
      block_id: 'feedback',
      label: { type: 'plain_text', text: 'Feedback' },
      element: { type: 'plain_text_input', action_id: 'text' },
    },
  ],
});

export function createApp({ appToken, botToken, apiUrl, logLevel } = {}) {
  // Instead of `appToken, socketMode: true` (never set socketMode with a custom receiver: Bolt throws).
  const { receiver, clientOptions } = boltOptions({ appToken, apiUrl, ...(logLevel ? { logLevel } : {}) });
  const app = new App({ token: botToken, receiver, clientOptions });

  app.event('app_mention', async ({ event, say }) => {
    await say({
      text: `Hi <@${event.user}>!`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `Hi <@${event.user}>!` } },
        {
          type: 'actions',
          block_id: 'sim_block',
          elements: [{ type: 'button', action_id: 'sim_button', text: { type: 'plain_text', text: 'Click' } }],
        },
      ],
    });
  });

  app.command(/.*/, async ({ command, ack, respond }) => {
    await ack(`Got ${command.command} ${command.text}`); // the command's reply to its user, in the ack
    await respond({ response_type: 'in_channel', text: `${command.command}: ${command.text}` });
  });

  app.action('sim_button', async ({ ack, body, respond }) => {
    await ack();
    await respond({ replace_original: false, text: `<@${body.user.id}> clicked the button` });
  });

  app.options('sim_select', async ({ ack }) => {
    await ack({ options: ['one', 'two'].map((v) => ({ text: { type: 'plain_text', text: v }, value: v })) });
  });

  app.shortcut(/.*/, async ({ ack, shortcut, client }) => {
    await ack();
    await client.views.open({ trigger_id: shortcut.trigger_id, view: modal('Feedback') });
  });

  app.view(/.*/, async ({ ack, view }) => {
    const text = view.state.values?.feedback?.text?.value ?? '';
    if (text.trim().length < 3) {
      await ack({ response_action: 'errors', errors: { feedback: 'Say a little more (3 characters at least)' } });
      return;
    }
    await ack();
  });

  return { app, receiver };
}

function serveHealth(client, port) {
  const handler = createHealthHandler(client);
  return createServer(async (req, res) => {
    const response = handler(new Request(`http://127.0.0.1${req.url}`));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(await response.text());
  }).listen(port, '127.0.0.1');
}

// Run directly (not imported by a test).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const { app, receiver } = createApp({
    appToken: process.env.SLACK_APP_TOKEN,
    botToken: process.env.SLACK_BOT_TOKEN,
    apiUrl: process.env.SLACK_API_URL, // undefined → https://slack.com/api/
  });
  // HEALTH_PORT: the receiver's client health for a probe (GET /healthz; the dev panel shows it).
  const health = process.env.HEALTH_PORT ? serveHealth(receiver.client, Number(process.env.HEALTH_PORT)) : undefined;
  // SIGTERM / SIGINT: app.stop() drains as disconnect() does (envelopes in their listeners still get acked).
  const stop = () => app.stop().then(() => (health?.close(), process.exit(0)));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Stopped for good by a fatal error (link_disabled): exit, so a process manager (or `dev`) starts it again.
  receiver.client.on('disconnected', ({ willReconnect, error }) => {
    if (!willReconnect && error) (health?.close(), process.exit(1));
  });
  await app.start();
  app.logger.info('Bolt app running on socket-mode-anywhere');
}
