// One envelope as Bolt's App.processEvent() takes it: the ReceiverEvent Bolt's own SocketModeReceiver builds
// (body, ack, retryNum/retryReason, customProperties), with an ack that answers once, as Bolt's does.
import type { ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../core/logger.ts';
import type { SlackEventArgs } from '../core/types.ts';
import type { EnvelopeInfo, StringIndexed } from './options.ts';

/**
 * Bolt's ack(response) → the envelope's ack payload: a string (a command's `ack('text')`) becomes `{ text }`,
 * an object goes as it is, nothing acks without a payload. A second call is ignored with a warning (Bolt's rule).
 */
export function boltAck(args: SlackEventArgs, logger: Logger): ReceiverEvent['ack'] & { called(): boolean } {
  let acked = false;
  const ack = async (response?: unknown): Promise<void> => {
    if (acked) {
      logger.warn(`ack() has already been called for envelope ${args.envelope_id}; this call is ignored`);
      return;
    }
    acked = true;
    await args.ack(response as Record<string, unknown> | string | undefined);
  };
  return Object.assign(ack, { called: () => acked });
}

/** The Bolt event of an envelope whose body is an object (Bolt has nothing to route for any other). */
export function toReceiverEvent(
  args: SlackEventArgs,
  logger: Logger,
  extract: (args: SlackEventArgs) => StringIndexed,
): ReceiverEvent {
  return {
    body: args.body as StringIndexed,
    ack: boltAck(args, logger),
    retryNum: args.retry_num,
    retryReason: args.retry_reason,
    customProperties: extract(args),
  };
}

/** What the log line says about an envelope. */
export function envelopeInfo(args: SlackEventArgs, event: ReceiverEvent): EnvelopeInfo {
  const body = args.body as { type?: unknown; command?: unknown } | null;
  const inner = args.event?.type ?? (args.type === 'slash_commands' ? body?.command : body?.type);
  return {
    envelope_id: args.envelope_id,
    type: args.type,
    subtype: typeof inner === 'string' ? inner : undefined,
    retry_num: args.retry_num,
    retry_reason: args.retry_reason,
    acked: (event.ack as { called?: () => boolean }).called?.() ?? false,
  };
}
