// dedupe(store): each envelope reaches user code once. Slack redelivers an event (same event_id) when its ack
// was late, and a make-before-break swap can show one envelope on two sockets; both are acked, not delivered.
// At least once: a key is forgotten when every handler failed before any ack (Slack's redelivery is then
// handled), recorded again if another handler acks after all, and forgotten when the client stops with the
// envelope still undelivered.
import { ignoring } from '../core/context.ts';
import type { Connection, EnvelopeFrame } from '../core/connection.ts';
import { admit, autoAck } from '../core/dispatch.ts';
import { DedupeError } from '../core/errors.ts';
import { emitError } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { MemoryDedupeStore, dedupeKey, eventIdOf, type DedupeStore } from './dedupe-store.ts';

/** `store`: where keys are kept (default: in memory, bounded, 15 min). */
export function dedupe(store: DedupeStore = new MemoryDedupeStore()): Feature {
  return defineFeature((c) => {
    // The default store is asked without building a key string.
    const memory =
      Object.getPrototypeOf(store) === MemoryDedupeStore.prototype ? (store as MemoryDedupeStore) : undefined;
    /** envelope_id -> key forgotten because a handler failed before any ack; at most 1000. */
    const forgottenBeforeAck = new Map<string, string>();
    /** Records (seen) or forgets `key` in the store: its failure (sync or async) is reported, never thrown. */
    const call = (key: string, op: 'seen' | 'forget'): void => {
      try {
        void Promise.resolve(store[op]?.(key)).catch((e: unknown) => emitError(c, new DedupeError(e)));
      } catch (e) {
        emitError(c, new DedupeError(e));
      }
    };
    const duplicate = (conn: Connection, parsed: EnvelopeFrame): void => {
      if (ignoring(c)) return;
      const env = parsed.frame;
      c.logger.debug(`Envelope ${env.envelope_id}: duplicate (retry ${env.retry_attempt ?? 0}); acked, not delivered`);
      autoAck(c, conn, env.envelope_id);
    };
    return {
      envelope(conn, parsed) {
        const eventId = eventIdOf(parsed);
        let seen: boolean | Promise<boolean>;
        let key: string | undefined;
        try {
          if (memory)
            seen = eventId !== undefined ? memory.seenEvent(eventId) : memory.seenEnvelope(parsed.frame.envelope_id);
          else seen = store.seen((key = dedupeKey(parsed.frame.envelope_id, eventId)));
        } catch (e) {
          emitError(c, new DedupeError(e));
          return false;
        }
        // A synchronous store (the default) answers at once: no promise, no closure.
        if (seen === true) duplicate(conn, parsed);
        if (typeof seen === 'boolean') return seen;
        // The client may have stopped while the store answered: the envelope is then dropped unacked, and its key
        // (just recorded) forgotten, so Slack's redelivery is handled instead of swallowed as a duplicate. Until
        // then it counts as unacked on `conn`, so a graceful disconnect() waits for it.
        conn.unacked++;
        const settled = (dup: boolean): void => {
          conn.unacked--;
          if (ignoring(c)) {
            if (!dup) call(key!, 'forget');
            return;
          }
          if (dup) duplicate(conn, parsed);
          else admit(c, conn, parsed);
          c.drain?.();
        };
        seen.then(settled, (e: unknown) => {
          emitError(c, new DedupeError(e));
          settled(false);
        });
        return true;
      },
      handlerFailed(a, acked) {
        // Failed before anything acked: Slack will redeliver, and that retry must reach the handlers again
        // (at least once), not be swallowed by dedupe as a duplicate.
        if (acked) return;
        const body = a.body as { event_id?: unknown } | undefined;
        const eventId = a.type === 'events_api' && typeof body?.event_id === 'string' ? body.event_id : undefined;
        const key = dedupeKey(a.envelope_id, eventId);
        call(key, 'forget');
        // Another handler of the same envelope may still ack it: the key is then recorded again (acked below).
        forgottenBeforeAck.set(a.envelope_id, key);
        if (forgottenBeforeAck.size > 1000) forgottenBeforeAck.delete(forgottenBeforeAck.keys().next().value!);
      },
      // An envelope whose key a failing handler had forgotten was acked by another: it is known again.
      acked(env) {
        // Almost always empty: no lookup per ack then (measured: 0.3 µs an envelope on Deno).
        if (!forgottenBeforeAck.size) return;
        const key = forgottenBeforeAck.get(env.envelope_id);
        if (key !== undefined && forgottenBeforeAck.delete(env.envelope_id)) call(key, 'seen');
      },
      dropped: (parsed) => call(dedupeKey(parsed.frame.envelope_id, eventIdOf(parsed)), 'forget'),
    };
  });
}
