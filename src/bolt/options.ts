// What the Bolt receiver is configured with: every option of the client, plus the Bolt receiver options that
// mean something over Socket Mode here (no OAuth server or custom routes: this receiver opens no HTTP port).
import type { Logger as BoltLogger, LogLevel as BoltLogLevel, ReceiverEvent } from '@slack/bolt';
import type { SocketModeOptions } from '../client.ts';
import type { Logger, LogLevel } from '../core/logger.ts';
import type { SlackEventArgs } from '../core/types.ts';

/** Bolt's `StringIndexed`: what Bolt takes as an event body and custom properties. */
export type StringIndexed = Record<string, any>;

/** The envelope a listener error happened on (the log line names it; Bolt's own receiver cannot). */
export interface EnvelopeInfo {
  envelope_id: string;
  /** `events_api`, `slash_commands`, `interactive`, … */
  type: string;
  /** The inner type: the event's, the interactive payload's (`block_actions`, …) or the command. */
  subtype: string | undefined;
  retry_num: number | undefined;
  retry_reason: string | undefined;
  /** Whether ack() was called before the error. */
  acked: boolean;
}

/** Bolt's SocketModeReceiverProcessEventErrorHandlerArgs, plus the envelope. */
export interface ProcessEventErrorHandlerArgs {
  error: Error;
  logger: BoltLogger;
  event: ReceiverEvent;
  envelope: EnvelopeInfo;
}

export interface SocketModeReceiverOptions extends Omit<SocketModeOptions, 'logger' | 'logLevel'> {
  /**
   * Where the receiver and its client log. Without one, the receiver logs to the console until the App is
   * made, then through the App's own logger (Bolt's level and name).
   * @default the Bolt App's logger
   */
  logger?: BoltLogger | Logger;
  /**
   * The level of the logger (set on it at once, as Bolt does).
   * @default the logger's own level
   */
  logLevel?: BoltLogLevel | LogLevel;
  /**
   * Extra properties for each event's context (`context.<name>` in listeners), from the envelope's arguments.
   * @default `() => ({})`
   */
  customPropertiesExtractor?: (args: SlackEventArgs) => StringIndexed;
  /**
   * Called when Bolt's processing of an envelope throws (a listener, middleware or authorize); true = ack the
   * envelope anyway (Slack will not retry it). Not acked, an Events API envelope is retried by Slack.
   * @default logs the error with the envelope's id, type and retry; true only for a Bolt AuthorizationError
   */
  processEventErrorHandler?: (args: ProcessEventErrorHandlerArgs) => Promise<boolean>;
}
