// pool(n): n live connections (Slack routes each envelope to one of them). It orders the slots' attempts,
// frees a place when the budget is full (connections: 10), answers Slack's `too_many_websockets` with a long
// floor and an event, and replaces a member gone silent while its siblings receive (./silence.ts).
import { slotOf, stopped, type Core, type Slot } from '../core/context.ts';
import type { Connection } from '../core/connection.ts';
import { InvalidOptionsError } from '../core/errors.ts';
import { emit } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { holdOpens } from '../core/open-url.ts';
import { closeWhenDrained } from '../core/retire.ts';
import { MAX_SLACK_CONNECTIONS, replace, scheduleRetry } from '../core/slots.ts';
import { watchSilence } from './silence.ts';

/** Default pool size. */
export const DEFAULT_CONNECTIONS = 1;

export function pool(n: number = DEFAULT_CONNECTIONS): Feature {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SLACK_CONNECTIONS) {
    throw new InvalidOptionsError('connections must be an integer from 1 to 10');
  }
  return defineFeature((c) => {
    // A member that received nothing while its siblings received many envelopes: presumed dead, replaced
    // make-before-break (with connections: 10, closed first: budgetFull), and cut off at once when retired.
    const silence =
      n > 1 &&
      watchSilence(c, (conn) => {
        conn.dead = true;
        replace(c, conn, 'silent');
      });
    return {
      poolSize: n,
      budgetFull: (slot, conn) => budgetFull(c, n, slot, conn),
      disconnectFrame(conn, frame) {
        const slot = slotOf(c, conn);
        if (frame.reason !== 'too_many_websockets' || stopped(c) || !slot) return false;
        refused(c, slot, conn, frame.num_connections);
        return true;
      },
      ...(silence && {
        connected: silence,
        envelope: (conn) => void silence(conn),
      }),
    };
  });
}

/**
 * With connections: 10 there is no room for a replacement while every slot holds its socket (Slack's cap), and
 * rotation is the only way a socket that cannot be pinged is ever found dead (half-open): it breaks before make,
 * one slot at a time, while every other slot is live. Rotation we start ourselves has that race anyway
 * (redeliveries are deduped). A socket Slack is refreshing is left to that.
 */
function budgetFull(c: Core, n: number, slot: Slot, conn: Connection): void {
  // A socket presumed dead holds a place in the budget for nothing: let it go so its slot can reconnect.
  if (conn.dead && conn.state === 'live') return void conn.close(1000, 'pong timeout');
  if (n < MAX_SLACK_CONNECTIONS || conn.replacing !== 'rotate' || conn.slack || conn.state !== 'live') return;
  if (c.conns.size !== n) return;
  for (const s of c.slots) {
    const cur = s.current;
    if (s.fetching || s.next || !cur || cur.state !== 'live' || cur.dead || (s !== slot && cur.isScheduled('drain')))
      return;
  }
  closeWhenDrained(c, conn, 'rotate');
}

/**
 * too_many_websockets: Slack refused this socket (the app has its maximum). Close it and back off with a long
 * floor (every slot's next open waits too: more attempts only make it worse); other connections carry on.
 */
function refused(c: Core, slot: Slot, conn: Connection, num: number | undefined): void {
  // A socket already replaced (kept open after a `warning`) just goes: its slot is healthy.
  const inUse = slot.next === conn || slot.current === conn;
  conn.replacing = 'too_many_websockets';
  void conn.close(1000, 'too many websockets');
  if (slot.next === conn) slot.next = undefined;
  if (slot.current === conn) slot.current = undefined;
  const floor = slot.backoff.tooManyWebSocketsMs;
  holdOpens(c, floor);
  // `conns` holds every socket short of closed, this one included (it just delivered a frame).
  const held = c.conns.size - 1;
  c.logger.warn(
    `Slack refused ${conn.id}: too_many_websockets (Slack counts ${num ?? '?'}, this client holds ${held}); ` +
      `backing off at least ${floor} ms`,
  );
  if (inUse) scheduleRetry(c, slot, 'too_many_websockets', floor);
  emit(c, 'too_many_websockets', {
    slot: slot.index,
    connection_id: conn.id,
    num_connections: num,
    held,
    delayMs: floor,
  });
}
