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
    let pending: Pending[] = [];
    let head = 0;
    let sweepTimer: ReturnType<typeof setTimeout> | undefined;
    const arm = (wait: number): void => void (sweepTimer = setTimeout(sweep, wait));
    const sweep = (): void => {
      sweepTimer = undefined;
      const q = pending;
      const now = Date.now();
      let h = head;
      for (; h < q.length; h++) {
        const p = q[h]!;
        if (p.acked) continue;
        if (p.at + ms > now) break;
        c.logger.warn(`Envelope ${p.id} (${p.type}) not acked after ${ms} ms (deadline ${ACK_DEADLINE_MS} ms)`);
      }
      if (h === q.length) {
        q.length = 0;
        head = 0;
        return;
      }
      head = h;
      arm(Math.max(1, q[h]!.at + ms - now));
    };
    return {
      track(env: AckableEnvelope): Pending | undefined {
        if (ms <= 0 || c.acks.closed) return undefined;
        const p: Pending = { id: env.envelope_id, type: env.type, at: Date.now() };
        const q = pending;
        // Drop acked entries at the front now, so a steady flow of prompt acks keeps the list short.
        let h = head;
        while (h < q.length && q[h]!.acked) h++;
        if (h === q.length) {
          q.length = 0;
          h = 0;
        } else if (h > 1024 && h * 2 > q.length) {
          q.splice(0, h);
          h = 0;
        }
        head = h;
        q.push(p);
        if (sweepTimer === undefined) arm(ms);
        return p;
      },
      stopping() {
        clearTimeout(sweepTimer);
        sweepTimer = undefined;
        pending = [];
        head = 0;
      },
    };
  });
}
