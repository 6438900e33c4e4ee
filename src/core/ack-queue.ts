// Ack bookkeeping: one ack per envelope, 20 KB limit, deadline warning, and a queue for acks made while no
// connection is open (flushed on the next hello).
import { AckError, AckTooLargeError, DisconnectedError, type SocketModeError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Connection } from './connection.ts';

/** Slack silently drops acks larger than this. */
export const MAX_ACK_BYTES = 20 * 1024;
/** Slack's ack deadline. */
export const ACK_DEADLINE_MS = 3000;

/** A response payload: an object (blocks, response_action, options…) or a string (becomes `{text}`). */
export type AckPayload = string | Record<string, unknown>;
export type AckFn = (payload?: AckPayload) => Promise<void>;

export interface AckQueueDeps {
  logger: Logger;
  deadlineWarnMs: number;
  /** Write one ack frame: on `preferred` if it can send, else any live connection. false = nowhere to send. */
  send(text: string, preferred: Connection | undefined): boolean;
  /** Report failures that a caller may not be awaiting. */
  onError(err: SocketModeError): void;
}

interface Queued {
  text: string;
  envelopeId: string;
  preferred: Connection | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class AckQueue {
  private readonly deps: AckQueueDeps;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private queued: Queued[] = [];
  private closed = false;
  constructor(deps: AckQueueDeps) {
    this.deps = deps;
  }

  get pending(): number {
    return this.queued.length;
  }

  /** Creates the ack function for one delivered envelope and arms its deadline warning. */
  create(env: { envelope_id: string; type: string; accepts_response_payload: boolean }, conn: Connection): AckFn {
    const { logger, deadlineWarnMs } = this.deps;
    let acked = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (deadlineWarnMs > 0 && !this.closed) {
      timer = setTimeout(() => {
        this.timers.delete(timer!);
        timer = undefined;
        if (!acked) {
          logger.warn(
            `Envelope ${env.envelope_id} (${env.type}) not acked after ${deadlineWarnMs} ms; Slack's deadline is ${ACK_DEADLINE_MS} ms`,
          );
        }
      }, deadlineWarnMs);
      this.timers.add(timer);
    }
    return (payload?: AckPayload) => {
      if (acked) {
        logger.warn(`Envelope ${env.envelope_id} already acked; ignoring second ack`);
        return Promise.resolve();
      }
      let text: string;
      try {
        text = this.serialize(env, payload);
      } catch (e) {
        return this.fail(e instanceof AckTooLargeError ? e : new AckError(env.envelope_id, 'payload is not serializable', { cause: e }));
      }
      acked = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        this.timers.delete(timer);
        timer = undefined;
      }
      return this.sendOrQueue(text, env.envelope_id, conn);
    };
  }

  /** Ack without user involvement (duplicates filtered by dedupe). */
  autoAck(envelopeId: string, conn: Connection): Promise<void> {
    return this.sendOrQueue(JSON.stringify({ envelope_id: envelopeId }), envelopeId, conn);
  }

  /** A connection said hello: send what waited. */
  flush(): void {
    if (this.queued.length === 0) return;
    const waiting = this.queued;
    this.queued = [];
    for (const q of waiting) {
      if (this.deps.send(q.text, q.preferred)) q.resolve();
      else this.queued.push(q);
    }
  }

  /** Client stopped: clear every timer; queued acks reject (their promises are pre-handled). */
  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const waiting = this.queued;
    this.queued = [];
    for (const q of waiting) q.reject(new DisconnectedError(`Client disconnected before ack for ${q.envelopeId} was sent`));
  }

  /** Re-arm after a restart. */
  reopen(): void {
    this.closed = false;
  }

  private serialize(
    env: { envelope_id: string; accepts_response_payload: boolean },
    payload: AckPayload | undefined,
  ): string {
    const frame: { envelope_id: string; payload?: unknown } = { envelope_id: env.envelope_id };
    if (payload !== undefined && payload !== null) {
      if (!env.accepts_response_payload) {
        this.deps.logger.warn(
          `Envelope ${env.envelope_id} does not accept a response payload; acking without it`,
        );
      } else {
        frame.payload = typeof payload === 'string' ? { text: payload } : payload;
      }
    }
    const text = JSON.stringify(frame);
    const bytes = new TextEncoder().encode(text).byteLength;
    if (bytes > MAX_ACK_BYTES) throw new AckTooLargeError(env.envelope_id, bytes, MAX_ACK_BYTES);
    return text;
  }

  private sendOrQueue(text: string, envelopeId: string, conn: Connection): Promise<void> {
    if (this.deps.send(text, conn)) return Promise.resolve();
    if (this.closed) return this.fail(new DisconnectedError(`Client disconnected; ack for ${envelopeId} not sent`), false);
    this.deps.logger.debug(`No open connection; ack for ${envelopeId} waits for the next hello`);
    return handled(
      new Promise<void>((resolve, reject) => {
        this.queued.push({ text, envelopeId, preferred: conn, resolve, reject });
      }),
    );
  }

  private fail(err: SocketModeError, report = true): Promise<void> {
    if (report) this.deps.onError(err);
    return handled(Promise.reject(err));
  }
}

/** Marks a promise as handled so an ignored rejection never becomes an unhandled rejection. */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
