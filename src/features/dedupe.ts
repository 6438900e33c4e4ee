// dedupe(store): each envelope reaches user code once. Slack redelivers an event (same event_id) when its ack
// was late, and a make-before-break swap can show one envelope on two sockets; both are acked, not delivered.
// At least once: a key is forgotten when every handler failed before any ack (Slack's redelivery is then
// handled), recorded again if another handler acks after all, and forgotten when the client stops with the
// envelope still undelivered. A store that has `acked` (a fleet's shared store) is told each first ack, so it can
// tell an acked key from a claim whose replica died before acking.
import { ignoring } from '../core/context.ts';
import type { Connection, EnvelopeFrame } from '../core/connection.ts';
import { admit, autoAck } from '../core/dispatch.ts';
import { DedupeError } from '../core/errors.ts';
import { emitError } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { MemoryDedupeStore, eventIdOf, keyOf, type DedupeStore } from './dedupe-store.ts';

/** `store`: where keys are kept (default: in memory, bounded, 15 min). */
export function dedupe(store: DedupeStore = new MemoryDedupeStore()): Feature {
  return defineFeature((c) => {
    // The default store is asked without building a key string.
    const memory = store.constructor === MemoryDedupeStore ? (store as MemoryDedupeStore) : undefined;
    /** envelope_id -> key forgotten because a handler failed before any ack; at most 1000. */
    const forgottenBeforeAck = new Map<string, string>();
    /** Records (seen) or forgets `key` in the store: its failure (sync or async) is reported, never thrown. */
    const call = (key: string, op: 'seen' | 'forget' | 'acked'): void => {
      try {
        void Promise.resolve(store[op]?.(key)).catch((e: unknown) => emitError(c, new DedupeError(e)));
      } catch (e) {
        emitError(c, new DedupeError(e));
      }
    };
    const duplicate = (conn: Connection, env: EnvelopeFrame['frame']): void => {
      if (ignoring(c)) return;
      c.logger.debug(`Envelope ${env.envelope_id}: duplicate (retry ${env.retry_attempt ?? 0}); acked, not delivered`);
      autoAck(c, conn, env.envelope_id);
    };
    return {
      envelope(conn, parsed) {
        const env = parsed.frame;
        const eventId = eventIdOf(env.type, env.payload);
        let seen: boolean | Promise<boolean>;
        let key: string | undefined;
        try {
          if (memory) seen = eventId !== undefined ? memory.seenEvent(eventId) : memory.seenEnvelope(env.envelope_id);
          else seen = store.seen((key = keyOf(env)));
        } catch (e) {
          emitError(c, new DedupeError(e));
          return false;
        }
        // A synchronous store (the default) answers at once: no promise, no closure.
        if (seen === true) duplicate(conn, env);
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
          if (dup) duplicate(conn, env);
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
        const key = keyOf(a);
        call(key, 'forget');
        // Another handler of the same envelope may still ack it: the key is then recorded again (acked below).
        forgottenBeforeAck.set(a.envelope_id, key);
        if (forgottenBeforeAck.size > 1000) forgottenBeforeAck.delete(forgottenBeforeAck.keys().next().value!);
      },
      // An envelope whose key a failing handler had forgotten was acked by another: it is known again.
      acked(env) {
        // The ack function was made for the envelope frame itself (dispatch's admit), so its payload is at hand.
        // Stores without `acked` (the in-memory one) cost one property test per ack.
        if (store.acked) call(keyOf(env), 'acked');
        // Else: almost always empty, so no lookup per ack (measured: 0.3 µs an envelope on Deno). `acked` above
        // records a forgotten key again by itself.
        else if (forgottenBeforeAck.size) {
          const key = forgottenBeforeAck.get(env.envelope_id);
          if (forgottenBeforeAck.delete(env.envelope_id)) call(key!, 'seen');
        }
      },
      dropped: (parsed) => call(keyOf(parsed.frame), 'forget'),
    };
  });
}
