// Bolt's default rule for an envelope whose processing threw: ack only when authorization failed (no
// installation: a retry cannot succeed), else leave it un-acked so Slack retries it. The log line names the
// envelope, which Bolt's own receiver cannot.
import type { ProcessEventErrorHandlerArgs } from './options.ts';

// Bolt's ErrorCode.AuthorizationError: matched by code, so this module never loads Bolt.
const AUTHORIZATION_ERROR = 'slack_bolt_authorization_error';

/** Bolt's AuthorizationError (or one of its subclasses), from any copy of Bolt. */
export function isAuthorizationError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === AUTHORIZATION_ERROR;
}

/** `envelope 1d2c… (events_api app_mention, retry 1 http_timeout)` */
export function describeEnvelope(e: ProcessEventErrorHandlerArgs['envelope']): string {
  const retry = e.retry_num ? `, retry ${e.retry_num}${e.retry_reason ? ` ${e.retry_reason}` : ''}` : '';
  return `envelope ${e.envelope_id} (${e.type}${e.subtype ? ` ${e.subtype}` : ''}${retry})`;
}

export async function defaultProcessEventErrorHandler(args: ProcessEventErrorHandlerArgs): Promise<boolean> {
  const { error, logger, envelope } = args;
  const ack = isAuthorizationError(error);
  logger.error(
    `An unhandled error occurred while Bolt processed ${describeEnvelope(envelope)}: ${error}` +
      (ack ? ' (acked: authorization failed, a retry cannot succeed)' : envelope.acked ? '' : ' (not acked)'),
  );
  return ack;
}
