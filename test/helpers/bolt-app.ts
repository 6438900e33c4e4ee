// A Bolt app with one listener of each kind, on our SocketModeReceiver, for the Bolt suites: the same listeners
// on Bolt 5 and Bolt 4 (their App classes are passed in). What the listeners saw is recorded for assertions.
import type { Logger } from '../../src/index.ts';
import { SocketModeReceiver, type SocketModeReceiverOptions } from '../../src/bolt/node.ts';
import type { Simulator } from '../../src/simulator/index.ts';

export interface Seen {
  kind: string;
  retryNum?: number | undefined;
  retryReason?: string | undefined;
  custom?: unknown;
}

/** Bolt 4's and 5's App constructors, as far as these tests use them. */
export type BoltAppClass = new (options: any) => any;

export function boltTestApp(
  App: BoltAppClass,
  sim: Simulator,
  logger: Logger,
  options: Partial<SocketModeReceiverOptions> = {},
): { app: any; receiver: SocketModeReceiver; seen: Seen[]; gate: { wait?: Promise<void> } } {
  const receiver = new SocketModeReceiver({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    backoff: { initialMs: 50, maxMs: 200, tooManyWebSocketsMs: 200 },
    customPropertiesExtractor: (args) => ({ connectionId: args.connection_id }),
    ...options,
  });
  const app = new App({
    token: sim.botToken,
    receiver,
    logger,
    clientOptions: { slackApiUrl: receiver.slackApiUrl, retryConfig: { retries: 0 } },
  });
  const seen: Seen[] = [];
  const gate: { wait?: Promise<void> } = {};

  app.event('app_mention', async ({ event, say, context }: any) => {
    seen.push({
      kind: 'app_mention',
      retryNum: context.retryNum,
      retryReason: context.retryReason,
      custom: context.connectionId,
    });
    await say(`said: ${event.text}`);
  });
  app.command('/bolt', async ({ command, ack, respond }: any) => {
    seen.push({ kind: 'command' });
    await ack(`acked: ${command.text}`);
    await respond({ text: `responded: ${command.text}` });
  });
  app.command('/throws', async () => {
    seen.push({ kind: 'throws' });
    // With a token in the message, as a Web API error's text can carry one: the receiver's log must not.
    throw new Error(`listener failed before ack (${sim.botToken})`);
  });
  app.command('/slow', async ({ ack }: any) => {
    seen.push({ kind: 'slow' });
    await gate.wait;
    await ack('slow done');
  });
  app.action('sim_button', async ({ ack, respond, body }: any) => {
    seen.push({ kind: 'action' });
    await ack();
    await respond({ text: `clicked by ${body.user.id}`, replace_original: false });
  });
  app.options('sim_select', async ({ ack }: any) => {
    seen.push({ kind: 'options' });
    await ack({ options: [{ text: { type: 'plain_text', text: 'one' }, value: '1' }] });
  });
  app.shortcut('sim_shortcut', async ({ ack, shortcut, client }: any) => {
    seen.push({ kind: 'shortcut' });
    await ack();
    const opened = await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'sim_modal',
        title: { type: 'plain_text', text: 'Feedback' },
        blocks: [{ type: 'section', text: { type: 'plain_text', text: 'Tell us' } }],
      },
    });
    seen.push({ kind: 'views.open', custom: opened.view.id });
  });
  app.view('sim_modal', async ({ ack }: any) => {
    seen.push({ kind: 'view_submission' });
    await ack({ response_action: 'errors', errors: { feedback: 'too short' } });
  });
  return { app, receiver, seen, gate };
}
