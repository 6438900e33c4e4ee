// deadlineWarnings(ms): a warning for each envelope still un-acked `ms` after it arrived (Slack's deadline is
// 3 s). Envelopes are kept in arrival order (so in deadline order) and swept by one timer armed for the oldest
// un-acked one, instead of a timer per envelope.
import { ACK_DEADLINE_MS, type AckableEnvelope } from '../core/ack-queue.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { msOption } from '../core/options.ts';

interface Pending {
  id: string;
  type: string;
  at: number;
  acked?: boolean;
}

/** `warnMs`: warn when an envelope is not acked after this long; 0 disables. */
export function deadlineWarnings(warnMs = 2500): Feature {
  const ms = msOption(warnMs, 2500, 'ackDeadlineWarnMs');
  return defineFeature((c) => {
    // In arrival order (so in deadline order); acked ones leave from the front as others arrive, and at each sweep.
    const pending = new Set<Pending>();
    let sweepTimer: ReturnType<typeof setTimeout> | undefined;
    const sweep = (): void => {
      sweepTimer = undefined;
      const now = Date.now();
      for (const p of pending) {
        if (!p.acked) {
          if (p.at + ms > now) return void (sweepTimer = setTimeout(sweep, p.at + ms - now));
          c.logger.warn(`Envelope ${p.id} (${p.type}) not acked after ${ms} ms (deadline ${ACK_DEADLINE_MS} ms)`);
        }
        pending.delete(p);
      }
    };
    return {
      track(env: AckableEnvelope): Pending | undefined {
        if (ms <= 0 || c.acks.closed) return undefined;
        // A steady flow of prompt acks keeps the set short.
        for (const q of pending) {
          if (!q.acked) break;
          pending.delete(q);
        }
        const p: Pending = { id: env.envelope_id, type: env.type, at: Date.now() };
        pending.add(p);
        sweepTimer ??= setTimeout(sweep, ms);
        return p;
      },
      stopping() {
        clearTimeout(sweepTimer);
        sweepTimer = undefined;
        pending.clear();
      },
    };
  });
}
