// handlerBound(o): at most `maxConcurrentHandlers` envelopes in user handlers at once (an envelope is "in" until
// every promise its handlers returned has settled); the rest wait in a bounded FIFO. Acks are never queued: an
// envelope still waiting after `queuedAckMs` is acked without a payload so Slack's 3 s deadline holds, and one
// arriving at a full queue is acked and shed.
import type { AckFn, TrackedAck } from '../core/ack-queue.ts';
import type { Connection, EnvelopeFrame } from '../core/connection.ts';
import { dispatch } from '../core/dispatch.ts';
import { HandlerQueueFullError, InvalidOptionsError } from '../core/errors.ts';
import { emitError } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { msOption } from '../core/options.ts';

export interface HandlerBoundOptions {
  /**
   * At most this many envelopes in user handlers at once (an envelope is "in" a handler until every promise its
   * handlers returned has settled). Envelopes beyond the bound wait in a FIFO queue. `ack()` never waits there.
   * @default `Infinity` (unbounded)
   */
  maxConcurrentHandlers: number;
  /**
   * Bound on that queue. When it is full an envelope is shed: acked without a payload (so Slack does not retry
   * it into an overloaded app), not delivered, and reported on `error` as a HandlerQueueFullError.
   * @default `1000`
   */
  maxQueuedEnvelopes?: number;
  /**
   * An envelope still waiting in the queue after this long is acked without a payload, so Slack's 3 s deadline
   * is met; its handler still runs later, and its ack() then resolves without sending (a payload given to it is
   * dropped with a warning: reply through response_url); 0 disables.
   * @default `2000`
   */
  queuedAckMs?: number;
}

interface Waiting {
  conn: Connection;
  parsed: EnvelopeFrame;
  ack: AckFn;
  autoAcked?: boolean;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/** The handler bound, and what it holds now (`SocketModeClient.handlerStats`). */
export type HandlerBound = Feature & { stats(): { active: number; queued: number } };

export function handlerBound(o: HandlerBoundOptions): HandlerBound {
  const limit = o.maxConcurrentHandlers;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1))
    throw new InvalidOptionsError('maxConcurrentHandlers must be a positive integer');
  const maxQueued = o.maxQueuedEnvelopes ?? 1000;
  if (!Number.isInteger(maxQueued) || maxQueued < 0)
    throw new InvalidOptionsError('maxQueuedEnvelopes must be an integer >= 0');
  const queuedAckMs = msOption(o.queuedAckMs, 2000, 'queuedAckMs');
  let active = 0;
  let waiting: Waiting[] = [];
  let pumping = false;
  const feature = defineFeature((c) => {
    if (limit === Infinity) return {};
    const { logger } = c;
    /** Runs one envelope's handlers and holds a slot until every promise they returned has settled. */
    const run = (item: Waiting): void => {
      active++;
      // `attempted` (which dedupe reads when a handler fails) says an auto-ack happened too: a handler failing
      // after it must not make dedupe forget an acked envelope.
      const ack: TrackedAck = (payload) => {
        ack.attempted = true;
        if (!item.autoAcked) return item.ack(payload);
        if (payload !== undefined && payload !== null) {
          logger.warn(
            `Envelope ${item.parsed.frame.envelope_id} was acked while queued: this payload is dropped (use response_url)`,
          );
        }
        return Promise.resolve();
      };
      if (item.autoAcked) ack.attempted = true;
      const collected: Array<Promise<unknown>> = [];
      const release = (): void => {
        active--;
        pump();
      };
      try {
        dispatch(c, item.conn, item.parsed, ack, collected);
      } finally {
        if (collected.length === 0) release();
        else void Promise.all(collected).then(release, release);
      }
    };
    const pump = (): void => {
      if (pumping) return;
      pumping = true;
      try {
        while (active < limit && waiting.length > 0) {
          const next = waiting.shift()!;
          clearTimeout(next.timer);
          run(next);
        }
      } finally {
        pumping = false;
      }
    };
    return {
      deliver(conn, parsed, ack) {
        const item: Waiting = { conn, parsed, ack };
        if (active < limit && waiting.length === 0) return (run(item), true);
        const env = parsed.frame;
        if (waiting.length >= maxQueued) {
          // Shed: acked so Slack neither retries into an overloaded app nor shows a timeout, and reported.
          void ack().catch(() => undefined);
          emitError(c, new HandlerQueueFullError(env.envelope_id, env.type, waiting.length));
          return true;
        }
        if (queuedAckMs > 0) {
          item.timer = setTimeout(() => {
            item.timer = undefined;
            item.autoAcked = true;
            logger.warn(`Envelope ${env.envelope_id} (${env.type}) queued ${queuedAckMs} ms; acked without a payload`);
            void ack().catch(() => undefined);
          }, queuedAckMs);
        }
        waiting.push(item);
        return true;
      },
      /**
       * Envelopes still waiting for a handler slot and not yet acked are dropped: Slack redelivers them (and
       * dedupe forgets their keys, so the redelivery is handled). Those already acked (queuedAckMs) stay queued:
       * Slack will not send them again, so their handlers run as slots free up.
       */
      stopping() {
        for (const w of waiting) {
          if (w.autoAcked) continue;
          clearTimeout(w.timer);
          for (const h of c.hooks) h.dropped?.(w.parsed);
        }
        waiting = waiting.filter((w) => w.autoAcked);
        if (waiting.length > 0)
          logger.info(`${waiting.length} acked envelope(s) still wait for a handler slot; they will run`);
      },
    };
  }) as HandlerBound;
  feature.stats = () => ({ active, queued: waiting.length });
  return feature;
}
