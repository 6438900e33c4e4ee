// How replaced sockets go: Slack's `disconnect` frames, and the retirement of a socket once its replacement is
// live — kept open while Slack may still route to it, closed once the envelopes it brought are acked.
import type { AckableEnvelope } from './ack-queue.ts';
import { ACK_DEADLINE_MS } from './ack-queue.ts';
import { slotOf, stopped, type Core } from './context.ts';
import type { Connection } from './connection.ts';
import { LinkDisabledError } from './errors.ts';
import type { DisconnectFrame } from './schemas.ts';
import { fatal } from './shutdown.ts';
import { ensure, replace } from './slots.ts';

/**
 * Slack's `disconnect`. A refusal (too_many_websockets) takes the generic path here unless a feature handles it
 * (the pool adds a long floor and an event): the socket is replaced, and a replacement refused before its hello
 * backs off.
 */
export function onDisconnectFrame(c: Core, conn: Connection, frame: DisconnectFrame): void {
  for (const h of c.hooks) if (h.disconnectFrame?.(conn, frame)) return;
  if (stopped(c)) return;
  const slot = slotOf(c, conn);
  const reason = frame.reason;
  c.logger.info(`${conn.id}: Slack sent disconnect (${reason})`);
  if (reason === 'link_disabled') return fatal(c, new LinkDisabledError());
  const kept = conn.slack === 'warned';
  if (reason !== 'warning') conn.slack = 'stopped';
  if (conn.replacing) {
    // Already being replaced (after a `warning`, or a rotation of our own): Slack has now stopped routing
    // here, so it can go as soon as the replacement is live (at once, if that has happened) and its envelopes
    // are acked — or at once if no replacement can start (the budget is full, e.g. connections: 10).
    if (reason !== 'warning') {
      if (slot?.current !== conn) {
        if (kept) closeWhenDrained(c, conn, reason);
      } else releaseIfBlocked(c, conn);
    } else if (!conn.slack && conn.state === 'live') {
      // A warning on a socket our own rotation is replacing: Slack still routes here until refresh_requested,
      // so it is kept open like any warned socket (retired on that, or at retireAfterWarningMs). A warning after
      // Slack said it stopped routing here changes nothing.
      conn.slack = 'warned';
      if (slot && slot.current !== conn) {
        conn.unschedule('drain');
        retire(c, conn);
      }
    }
    return;
  }
  // warning, refresh_requested, anything unknown: replace make-before-break.
  if (reason === 'warning') conn.slack ??= 'warned';
  replace(c, conn, reason);
  releaseIfBlocked(c, conn);
}

/**
 * Slack has stopped routing to `conn`, but no replacement could start (every socket the budget allows is in
 * use, or the slot is backing off): free it once its envelopes are acked, rather than hold the slot on a
 * socket Slack may never close.
 */
function releaseIfBlocked(c: Core, conn: Connection): void {
  const slot = slotOf(c, conn);
  if (conn.slack !== 'stopped' || !slot || slot.current !== conn || slot.next || slot.fetching) return;
  closeWhenDrained(c, conn, 'refresh_requested');
}

/**
 * Closes a replaced connection. After a `warning` Slack may still route envelopes to it, and a standard
 * WebSocket discards frames arriving after our close(): so it stays open until Slack's `refresh_requested`
 * (or Slack's own close), with a bounded wait in case that never comes (after which it still drains).
 */
export function retire(c: Core, old: Connection): void {
  if (old.slack === 'warned') {
    old.schedule('retire', c.settings.retireAfterWarningMs, () => closeWhenDrained(c, old, 'replaced'));
    return;
  }
  // Slack routes nothing more here (or, for a rotation we started, may until it sees our close): keep it just
  // until the envelopes it brought are acked, so each ack goes back on the connection its envelope came on.
  if (old.slack === 'stopped' || !old.dead) return closeWhenDrained(c, old, 'replaced');
  void old.close(1000, 'replaced');
}

/** Close `conn` once every envelope it delivered has been acked; never later than Slack's ack deadline. */
export function closeWhenDrained(c: Core, conn: Connection, reason: string): void {
  if (conn.state === 'closing' || conn.state === 'closed') return;
  if (conn.unacked <= 0 || conn.dead) {
    void conn.close(1000, reason);
    return;
  }
  if (conn.isScheduled('drain')) return;
  c.logger.debug(`${conn.id}: closing after ${conn.unacked} acks`);
  conn.drainReason = reason;
  conn.schedule('drain', ACK_DEADLINE_MS, () => void conn.close(1000, reason));
}

/** One envelope from `conn` has been acked (or its ack attempted): the connection may now be free to close. */
export function ackMade(c: Core, conn: Connection, env: AckableEnvelope): void {
  for (const h of c.hooks) h.acked?.(env);
  conn.unacked--;
  c.drain?.();
  if (conn.unacked > 0 || !conn.unschedule('drain')) return;
  void conn.close(1000, conn.drainReason);
}

/** rotateAfterMs elapsed on a socket that cannot be pinged: replace it make-before-break (see ensure()). */
export function onRotateDue(c: Core, conn: Connection): void {
  replace(c, conn, 'rotate');
  // Already being replaced for another reason: now it is a rotation too (the pool may break before make for it).
  if (conn.replacing) conn.replacing = 'rotate';
  // Already draining (a proactive refresh waiting for a place): the budget decides again now.
  const slot = slotOf(c, conn);
  if (slot) ensure(c, slot);
}
