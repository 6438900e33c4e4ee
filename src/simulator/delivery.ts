// Envelope delivery: random live connection or queue, the ack deadline, events_api redelivery,
// and ack bookkeeping.
import { performance } from 'node:perf_hooks';
import { redeliveryOf } from './envelopes.ts';
import type { Conn } from './conn.ts';
import type { Link } from './link.ts';
import type { Records } from './records.ts';
import type { TimerBag } from './timers.ts';
import type { Envelope, ResolvedOptions } from './types.ts';

/** One event across its delivery attempts: once any attempt is acked, later retries are cancelled. */
interface Chain {
  acked: boolean;
  next: NodeJS.Timeout | undefined;
}

interface Sent {
  env: Envelope;
  type: string;
  chain: Chain;
  redeliver: boolean;
  connectionId: string;
  sentAt: number; // performance.now()
  acked: boolean;
  missed: boolean;
  deadline: NodeJS.Timeout | undefined;
}

interface Queued {
  env: Envelope;
  redeliver: boolean;
  chain: Chain;
  /** performance.now() when Slack issued it: its 3 s start then, also while it waits for a live connection. */
  since: number;
  /** Ends the ack window of an envelope still waiting for a live connection. */
  expiry?: NodeJS.Timeout | undefined;
}

const MAX_SENT_KEPT = 20_000;
const SENT_TRIM_BATCH = 5_000;

export class Dispatcher {
  /** Called as each envelope goes out to the app (the Web API learns its trigger_id, users and channels). */
  onSent: (env: Envelope, conn: Conn) => void = () => {};
  private readonly queue: Queued[] = [];
  private readonly sent = new Map<string, Sent>();

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly timers: TimerBag,
    private readonly records: Records,
    private readonly link: Link,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Deliver to `connectionId` if given (throws if it is not open), else to a random live connection,
   * else queue until one becomes live. `redeliver` = apply the events_api retry schedule.
   */
  deliver(
    env: Envelope,
    redeliver: boolean,
    connectionId?: string,
    chain: Chain = { acked: false, next: undefined },
  ): void {
    if (connectionId !== undefined) {
      const conn = this.link.conns.get(connectionId);
      if (!conn || !conn.isOpen) throw new Error(`no open connection ${connectionId}`);
      this.sendTo(conn, { env, redeliver, chain, since: performance.now() });
      return;
    }
    const conn = this.link.randomLive();
    const q: Queued = { env, redeliver, chain, since: performance.now() };
    if (conn) this.sendTo(conn, q);
    else {
      this.enqueue(q);
      this.opts.log(`deliver: queued ${env.type} ${env.envelope_id} (no live connection)`);
    }
  }

  /**
   * Wait for a live connection, but only as long as the ack window: once it ends, Slack has given up on this
   * attempt (the user saw an error; an event goes on with its retry schedule). It is never sent stale.
   */
  private enqueue(q: Queued, front = false): void {
    if (front) this.queue.unshift(q);
    else this.queue.push(q);
    if (q.expiry || typeof q.env.envelope_id !== 'string') return;
    q.expiry = this.timers.after(this.opts.ackTimeoutMs - (performance.now() - q.since), () => {
      q.expiry = undefined;
      const i = this.queue.indexOf(q);
      if (i < 0) return;
      this.queue.splice(i, 1);
      this.opts.log(`deliver: ${q.env.type} ${q.env.envelope_id} expired in the queue (no live connection)`);
      this.records.addMissed({
        envelope_id: q.env.envelope_id,
        type: q.env.type,
        retry_attempt: q.env.retry_attempt ?? 0,
      });
      if (q.redeliver) this.scheduleRetry(q.env, q.chain);
    });
  }

  /** A connection became live: everything queued goes out now, spread over live connections. */
  flush(): void {
    while (this.queue.length) {
      const conn = this.link.randomLive();
      if (!conn) return;
      const q = this.queue.shift()!;
      if (!this.sendTo(conn, q)) return;
    }
  }

  /** False when the socket went away between pick and send: the envelope is then queued, never lost. */
  private sendTo(conn: Conn, q: Queued): boolean {
    const { env } = q;
    if (!this.link.send(conn, JSON.stringify(env))) {
      const other = this.link.live().find((c) => c !== conn);
      if (other && this.link.send(other, JSON.stringify(env))) conn = other;
      else {
        this.enqueue(q, true);
        return false;
      }
    }
    this.timers.clear(q.expiry);
    q.expiry = undefined;
    conn.delivered++;
    this.onSent(env, conn);
    if (typeof env.envelope_id !== 'string') {
      // A raw envelope without an id (sendEnvelope): nothing to match acks against.
      this.records.addDelivery({
        envelope_id: String(env.envelope_id),
        type: String(env.type),
        retry_attempt: env.retry_attempt ?? 0,
        connectionId: conn.id,
        sentAt: Date.now(),
        envelope: env,
      });
      return true;
    }
    const sentAt = performance.now();
    const s: Sent = {
      env,
      type: env.type,
      chain: q.chain,
      redeliver: q.redeliver,
      connectionId: conn.id,
      sentAt,
      acked: false,
      missed: false,
      deadline: undefined,
    };
    // The deadline counts from when Slack issued the envelope: time spent queued (no live connection) is
    // already gone for the user who ran the command.
    const left = this.opts.ackTimeoutMs - (sentAt - q.since);
    if (left > 0) s.deadline = this.timers.after(left, () => this.onDeadline(s));
    this.sent.set(env.envelope_id, s);
    if (this.sent.size >= MAX_SENT_KEPT + SENT_TRIM_BATCH) {
      // Trim in batches: dropping one key per send rescans the deleted slots at the front of the Map each time.
      let n = this.sent.size - MAX_SENT_KEPT;
      for (const k of this.sent.keys()) {
        if (n-- <= 0) break;
        this.sent.delete(k);
      }
    }
    const eventId = (env.payload as { event_id?: unknown } | undefined)?.event_id;
    this.records.addDelivery({
      envelope_id: env.envelope_id,
      type: env.type,
      retry_attempt: env.retry_attempt ?? 0,
      connectionId: conn.id,
      sentAt: Date.now(),
      ...(typeof eventId === 'string' ? { event_id: eventId } : {}),
      envelope: env,
    });
    // Already overdue when it goes out: missed now, whatever the ack does.
    if (left <= 0) this.onDeadline(s);
    return true;
  }

  private onDeadline(s: Sent): void {
    s.deadline = undefined;
    if (s.acked) return;
    s.missed = true;
    this.records.addMissed({
      envelope_id: s.env.envelope_id,
      type: s.type,
      retry_attempt: s.env.retry_attempt ?? 0,
      connectionId: s.connectionId,
    });
    if (s.redeliver) this.scheduleRetry(s.env, s.chain);
  }

  /** The next attempt of a missed envelope. Only events_api is redelivered; the others just fail for the user. */
  private scheduleRetry(env: Envelope, chain: Chain): void {
    if (env.type !== 'events_api' || chain.acked) return;
    const attempt = (env.retry_attempt ?? 0) + 1;
    const delay = this.opts.redeliveryDelaysMs[attempt - 1];
    if (delay === undefined) return;
    chain.next = this.timers.after(delay, () => {
      chain.next = undefined;
      if (chain.acked) return;
      this.deliver(redeliveryOf(env, attempt), true, undefined, chain);
    });
  }

  onAck(conn: Conn, envelopeId: string, payload: unknown, hasPayload: boolean, frame?: Record<string, unknown>): void {
    const s = this.sent.get(envelopeId);
    const base = {
      envelope_id: envelopeId,
      ...(hasPayload ? { payload } : {}),
      connectionId: conn.id,
      receivedAt: Date.now(),
      ...(frame ? { frame } : {}),
    };
    if (!s) {
      this.records.addAck({ ...base, latencyMs: -1, duplicate: true });
      return;
    }
    const latencyMs = performance.now() - s.sentAt;
    // "late" = the deadline timer already fired (timer and clock granularity make a latency compare flaky)
    const late = s.missed;
    if (s.acked) {
      this.records.addAck({ ...base, latencyMs, duplicate: true, ...(late ? { late } : {}) });
      return;
    }
    s.acked = true;
    this.timers.clear(s.deadline);
    s.deadline = undefined;
    s.chain.acked = true;
    if (s.chain.next) {
      this.timers.clear(s.chain.next);
      s.chain.next = undefined;
    }
    conn.acked++;
    this.records.addAck({ ...base, latencyMs, duplicate: false, ...(late ? { late } : {}) });
  }

  clearQueue(): void {
    for (const q of this.queue) this.timers.clear(q.expiry);
    this.queue.length = 0;
  }
}
