// Ack deadline warnings: a warning for each envelope still un-acked `deadlineWarnMs` after it arrived (Slack's
// deadline is 3 s). Envelopes are kept in arrival order (so in deadline order) and swept by one timer armed
// for the oldest un-acked one, instead of a timer per envelope.
import { ACK_DEADLINE_MS, AckQueue, type AckQueueDeps, type AckableEnvelope } from '../core/ack-queue.ts';

interface Pending {
  id: string;
  type: string;
  at: number;
  acked?: boolean;
}

export class DeadlineAckQueue extends AckQueue {
  declare private readonly warnMs: number;
  private pending: Pending[] = [];
  private head = 0;
  declare private sweepTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(deps: AckQueueDeps, deadlineWarnMs: number) {
    super(deps);
    this.warnMs = deadlineWarnMs;
  }

  protected override track(env: AckableEnvelope): Pending | undefined {
    if (this.warnMs <= 0 || this.closed) return undefined;
    const p: Pending = { id: env.envelope_id, type: env.type, at: Date.now() };
    const q = this.pending;
    // Drop acked entries at the front now, so a steady flow of prompt acks keeps the list short.
    let h = this.head;
    while (h < q.length && q[h]!.acked) h++;
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      q.splice(0, h);
      h = 0;
    }
    this.head = h;
    q.push(p);
    if (this.sweepTimer === undefined) this.arm(this.warnMs);
    return p;
  }

  private arm(ms: number): void {
    this.sweepTimer = setTimeout(() => this.sweep(), ms);
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    const q = this.pending;
    const now = Date.now();
    let h = this.head;
    for (; h < q.length; h++) {
      const p = q[h]!;
      if (p.acked) continue;
      if (p.at + this.warnMs > now) break;
      this.deps.logger.warn(
        `Envelope ${p.id} (${p.type}) not acked after ${this.warnMs} ms (deadline ${ACK_DEADLINE_MS} ms)`,
      );
    }
    if (h === q.length) {
      q.length = 0;
      this.head = 0;
      return;
    }
    this.head = h;
    this.arm(Math.max(1, q[h]!.at + this.warnMs - now));
  }

  override shutdown(): void {
    super.shutdown();
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.pending = [];
    this.head = 0;
  }
}
