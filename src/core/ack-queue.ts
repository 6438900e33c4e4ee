// Ack bookkeeping: one ack per envelope, 20 KB limit, and a queue for acks made while no connection is open
// (flushed on the next hello). Deadline warnings are a feature on top (../features/deadline.ts), given `track`.
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
  /** Write one ack frame: on `preferred` if it can send, else any live connection. false = nowhere to send. */
  send(text: string, preferred: Connection | undefined): boolean;
  /** Report failures that a caller may not be awaiting. */
  onError(err: SocketModeError): void;
  /** An envelope got its ack function: a record to keep (deadline warnings), marked acked once it is. */
  track?: ((env: AckableEnvelope) => { acked?: boolean } | undefined) | undefined;
}

/** An ack function as made here: `attempted` is set on its first call (a failing handler's dedupe asks). */
export type TrackedAck = AckFn & { attempted?: true };

export interface Queued {
  text: string;
  envelopeId: string;
  preferred: Connection | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** What the client knows of an envelope when it makes the ack function. */
export interface AckableEnvelope {
  envelope_id: string;
  type: string;
  accepts_response_payload: boolean;
}

export class AckQueue {
  declare private readonly deps: AckQueueDeps;
  /** Stopped: acks made now are refused. */
  declare closed?: boolean;
  /** Acks waiting for a socket (health() counts them). */
  queued: Queued[] = [];
  constructor(deps: AckQueueDeps) {
    this.deps = deps;
  }

  /**
   * Creates the ack function for one delivered envelope. `made(conn, env)` runs once, when the first ack attempt has
   * been sent, or has settled (queued, refused).
   */
  create(env: AckableEnvelope, conn: Connection, made: (conn: Connection, env: AckableEnvelope) => void): AckFn {
    const tracked = this.deps.track?.(env);
    let acked = false;
    const fn: TrackedAck = (payload?: AckPayload) => {
      if (acked) {
        this.deps.logger.warn(`Envelope ${env.envelope_id} already acked; ignoring second ack`);
        return RESOLVED;
      }
      const first = !fn.attempted;
      fn.attempted = true;
      let out: Promise<void>;
      let text: string | undefined;
      try {
        text = this.serialize(env, payload);
      } catch (e) {
        out = this.fail(
          e instanceof AckTooLargeError
            ? e
            : new AckError(env.envelope_id, 'payload is not serializable', { cause: e }),
        );
      }
      if (text !== undefined) {
        acked = true;
        if (tracked) tracked.acked = true;
        if (this.deps.send(text, conn)) {
          if (first) made(conn, env);
          return RESOLVED;
        }
        out = this.queue(text, env.envelope_id, conn);
        // Refused (client stopped), now or later: nothing was sent, so a retry must try again, not resolve.
        acked = !this.closed;
        out.catch(() => (acked = false));
      }
      if (first) {
        const done = (): void => made(conn, env);
        out!.then(done, done);
      }
      return out!;
    };
    return fn;
  }

  /** Ack without user involvement (duplicates filtered by dedupe). */
  autoAck(envelopeId: string, conn: Connection): Promise<void> {
    const text = `{"envelope_id":${JSON.stringify(envelopeId)}}`;
    return this.deps.send(text, conn) ? RESOLVED : this.queue(text, envelopeId, conn);
  }

  /** A connection said hello: send what waited. */
  flush(): void {
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
    const waiting = this.queued;
    this.queued = [];
    for (const q of waiting) q.reject(new DisconnectedError(`Client disconnected; ack for ${q.envelopeId} not sent`));
  }

  /** Re-arm after a restart. */
  reopen(): void {
    this.closed = false;
  }

  private serialize(
    env: { envelope_id: string; accepts_response_payload: boolean },
    payload: AckPayload | undefined,
  ): string {
    let text: string;
    if (payload === undefined || payload === null || !env.accepts_response_payload) {
      if (payload !== undefined && payload !== null) {
        this.deps.logger.warn(`Envelope ${env.envelope_id} does not accept a response payload; acking without it`);
      }
      // What JSON.stringify({ envelope_id }) writes, without the object.
      text = `{"envelope_id":${JSON.stringify(env.envelope_id)}}`;
    } else {
      text = JSON.stringify({
        envelope_id: env.envelope_id,
        payload: typeof payload === 'string' ? { text: payload } : payload,
      });
    }
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: only a long ack needs counting.
    if (text.length * 3 > MAX_ACK_BYTES) {
      const bytes = new TextEncoder().encode(text).byteLength;
      if (bytes > MAX_ACK_BYTES) throw new AckTooLargeError(env.envelope_id, bytes, MAX_ACK_BYTES);
    }
    return text;
  }

  /** Nowhere to send now: wait for the next hello (or fail once the client has stopped). */
  private queue(text: string, envelopeId: string, conn: Connection): Promise<void> {
    if (this.closed)
      return this.fail(new DisconnectedError(`Client disconnected; ack for ${envelopeId} not sent`), false);
    this.deps.logger.debug(`Ack for ${envelopeId} queued`);
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

// One settled promise for every ack written at once: no allocation per envelope (promises are immutable).
const RESOLVED = Promise.resolve();

/** Marks a promise as handled so an ignored rejection never becomes an unhandled rejection. */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
