// A bound on handler concurrency: at most `limit` envelopes in user handlers at once (an envelope is "in" until
// every promise its handlers returned has settled); the rest wait in a bounded FIFO. Acks are never queued: an
// envelope still waiting after `queuedAckMs` is acked without a payload so Slack's 3 s deadline holds, and one
// arriving at a full queue is acked and shed.
import type { AckFn } from '../core/ack-queue.ts';
import type { Connection, EnvelopeFrame } from '../core/connection.ts';
import { HandlerQueueFullError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

export interface HandlerQueueOptions {
  limit: number;
  maxQueued: number;
  queuedAckMs: number;
  logger: Logger;
  /** Runs one envelope's handlers now; returns the promises they returned. */
  run(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): Array<Promise<unknown>>;
  onShed(err: HandlerQueueFullError): void;
}

interface Waiting {
  conn: Connection;
  parsed: EnvelopeFrame;
  ack: AckFn;
  autoAcked?: boolean;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

export class HandlerQueue {
  active = 0;
  private waiting: Waiting[] = [];
  private pumping = false;
  declare private readonly o: HandlerQueueOptions;

  constructor(o: HandlerQueueOptions) {
    this.o = o;
  }

  get queued(): number {
    return this.waiting.length;
  }

  admit(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): void {
    const { limit, maxQueued, queuedAckMs, logger } = this.o;
    const item: Waiting = { conn, parsed, ack };
    if (this.active < limit && this.waiting.length === 0) return this.runTracked(item);
    const env = parsed.frame;
    if (this.waiting.length >= maxQueued) {
      // Shed: acked so Slack neither retries into an overloaded app nor shows a timeout, and reported.
      void ack().catch(() => undefined);
      this.o.onShed(new HandlerQueueFullError(env.envelope_id, env.type, this.waiting.length));
      return;
    }
    if (queuedAckMs > 0) {
      item.timer = setTimeout(() => {
        item.timer = undefined;
        item.autoAcked = true;
        logger.warn(`Envelope ${env.envelope_id} (${env.type}) queued ${queuedAckMs} ms; acked without a payload`);
        void ack().catch(() => undefined);
      }, queuedAckMs);
    }
    this.waiting.push(item);
    logger.debug(`Envelope ${env.envelope_id} queued (${this.waiting.length})`);
  }

  /**
   * The client stops: waiting envelopes not yet acked are dropped and returned (Slack will redeliver them). Those
   * already acked stay: Slack will not, so their handlers still run as slots free up.
   */
  dropUnacked(): EnvelopeFrame[] {
    const dropped = this.waiting.filter((w) => !w.autoAcked);
    this.waiting = this.waiting.filter((w) => w.autoAcked);
    return dropped.map((w) => (clearTimeout(w.timer), w.parsed));
  }

  /** Runs one envelope's handlers and holds a slot until every promise they returned has settled. */
  private runTracked(item: Waiting): void {
    this.active++;
    const ack: AckFn = (payload) => {
      // The ack queue's state probe (a symbol, see AckQueue.attempted) goes to the real ack function: it knows
      // an auto-ack happened, so a handler failing after it does not make dedupe forget an acked envelope.
      if (!item.autoAcked || typeof payload === 'symbol') return item.ack(payload);
      if (payload !== undefined && payload !== null) {
        this.o.logger.warn(
          `Envelope ${item.parsed.frame.envelope_id} was acked while queued: this payload is dropped (reply through response_url)`,
        );
      }
      return Promise.resolve();
    };
    let collected: Array<Promise<unknown>> = [];
    try {
      collected = this.o.run(item.conn, item.parsed, ack);
    } finally {
      const release = (): void => {
        this.active--;
        this.pump();
      };
      if (collected.length === 0) release();
      else void Promise.all(collected).then(release, release);
    }
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.active < this.o.limit && this.waiting.length > 0) {
        const next = this.waiting.shift()!;
        clearTimeout(next.timer);
        this.runTracked(next);
      }
    } finally {
      this.pumping = false;
    }
  }
}
