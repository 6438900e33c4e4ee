// `socket-mode-anywhere/bolt`: a Bolt receiver on this package's client. A Bolt app changes one line (its
// receiver); boltOptions() gives the App and the receiver one Web API URL (the simulator's, in development).
import type { AppOptions } from '@slack/bolt';
import { SocketModeReceiver } from './receiver.ts';
import type { SocketModeReceiverOptions } from './options.ts';

export { SocketModeReceiver };
export { defaultProcessEventErrorHandler, isAuthorizationError } from './process-event-error.ts';
export type {
  SocketModeReceiverOptions,
  ProcessEventErrorHandlerArgs,
  EnvelopeInfo,
  StringIndexed,
} from './options.ts';

/**
 * The App options a Socket Mode app on this receiver needs, with one `apiUrl` for both sides:
 * `new App({ token, ...boltOptions({ appToken, apiUrl }) })`. Other `clientOptions` are kept.
 */
export function boltOptions(
  options: SocketModeReceiverOptions,
  clientOptions: AppOptions['clientOptions'] = {},
): { receiver: SocketModeReceiver; clientOptions: NonNullable<AppOptions['clientOptions']> } {
  const receiver = new SocketModeReceiver(options);
  return { receiver, clientOptions: { ...clientOptions, slackApiUrl: receiver.slackApiUrl } };
}
