// The envelope path: a parsed envelope passes the features' envelope hooks (dedupe), gets its ack function
// (which writes straight to a socket: an ack never waits behind handler work), passes the deliver hooks (the
// handler bound) and reaches the handlers: `slack_event`, then its type's.
import type { AckFn } from './ack-queue.ts';
import { ignoring, type Core } from './context.ts';
import type { Connection, EnvelopeFrame } from './connection.ts';
import { emit, observe } from './events.ts';
import type { EventsApiArgs, SlackEventArgs } from './types.ts';

// Inner event types are Slack's; one never reaches a lifecycle event's handlers.
const LIFECYCLE = new Set<string>([
  'slack_event',
  'slash_commands',
  'interactive',
  'unknown_envelope',
  'connecting',
  'authenticated',
  'connected',
  'reconnecting',
  'disconnecting',
  'disconnected',
  'ghost_connections',
  'too_many_websockets',
  'error',
  '*',
]);

/** A connection's envelope: to the features, unless the client ignores envelopes now. */
export function onReceived(c: Core, conn: Connection, parsed: EnvelopeFrame): void {
  if (ignoring(c)) return;
  observe(c, '#received', parsed);
  for (const h of c.hooks) if (h.envelope?.(conn, parsed)) return;
  admit(c, conn, parsed);
}

/** Hands a (non-duplicate) envelope on, with its ack function. */
export function admit(c: Core, conn: Connection, parsed: EnvelopeFrame): void {
  if (ignoring(c)) return;
  // The first ack attempt (sent, queued or refused) settles this envelope's account on `conn`.
  const ack = c.acks.create(parsed.frame, conn, c.ackMade);
  conn.unacked++;
  for (const h of c.hooks) if (h.deliver?.(conn, parsed, ack)) return;
  dispatch(c, conn, parsed, ack);
}

/**
 * Runs the handlers; the promises they return go to `collect` (the handler bound waits on them). Every way in
 * checks that the client runs, except the handler bound's queue, which after disconnect() still runs the
 * envelopes it already acked.
 */
export function dispatch(
  c: Core,
  conn: Connection,
  parsed: EnvelopeFrame,
  ack: AckFn,
  collect?: Array<Promise<unknown>>,
): void {
  const env = parsed.frame;
  // One literal per envelope (no spread of a shared base): this runs for every envelope.
  const args: SlackEventArgs = {
    ack,
    envelope_id: env.envelope_id,
    type: env.type,
    body: env.payload as never,
    retry_num: env.retry_attempt,
    retry_reason: env.retry_reason,
    accepts_response_payload: env.accepts_response_payload,
    connection_id: conn.id,
  };
  let type: string | undefined = parsed.kind;
  if (type === 'events_api') {
    const ev = (args.event = (env.payload as EventsApiArgs['body']).event);
    type = ev && !LIFECYCLE.has(ev.type) ? ev.type : undefined;
  }
  const all = c.handlers;
  if (!all.get('slack_event')?.length && !(type && all.get(type)?.length)) {
    // Nobody takes it: acked anyway, or Slack retries it and, if it keeps failing, disables event delivery.
    // Said once per event the app could listen to (every unknown type is 'unknown_envelope').
    const t = type ?? env.type;
    if (!c.unheard.has(t)) {
      c.unheard.add(t);
      c.logger.warn(`No listener for ${t}; acked`);
    }
    return void ack();
  }
  emit(c, 'slack_event', args, collect);
  if (type) emit(c, type, args, collect);
}

/** Acks a duplicate dedupe took (no user code sees it): Slack's deadline holds; watchers are told ('#deduped'). */
export function autoAck(c: Core, conn: Connection, envelopeId: string): void {
  observe(c, '#deduped', envelopeId);
  void c.acks.autoAck(envelopeId, conn).catch(() => undefined);
}
