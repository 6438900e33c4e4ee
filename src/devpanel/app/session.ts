// The panel's session store: envelopes the page received (with the ack that went back), the sockets the client
// opened, and the connection timeline. Fed by the WebSocket tap (wire truth, read by read-tap.ts) and the
// client's events; views subscribe to its topics.
import { ACK_DEADLINE_MS, type EnvelopeEntry, type SocketInfo, type TimelineEvent } from './model.ts';

const MAX_ENVELOPES = 5000;
const MAX_TIMELINE = 2000;

type Topic = 'envelope' | 'ack' | 'timeline' | 'sockets' | 'reset';
type Listener = (data: any) => void;

export class Session {
  readonly envelopes: EnvelopeEntry[] = [];
  readonly byId = new Map<string, EnvelopeEntry>();
  readonly sockets = new Map<number, SocketInfo>();
  readonly timeline: TimelineEvent[] = [];
  readonly startedAt = Date.now();
  /** envelope_ids the page asked the simulator to replay: tagged when they arrive. */
  readonly replayIds = new Set<string>();
  private seq = 0;
  private tlSeq = 0;
  private lastSweep = -Infinity;
  private readonly listeners = new Map<Topic, Set<Listener>>();

  on(topic: Topic, fn: Listener): () => void {
    let s = this.listeners.get(topic);
    if (!s) this.listeners.set(topic, (s = new Set()));
    s.add(fn);
    return () => s.delete(fn);
  }

  private emit(topic: Topic, data: unknown): void {
    for (const fn of this.listeners.get(topic) ?? []) {
      try {
        fn(data);
      } catch (e) {
        console.error(`devpanel: ${topic} listener failed`, e);
      }
    }
  }

  addTimeline(e: Omit<TimelineEvent, 'seq'>): void {
    const ev = { ...e, seq: ++this.tlSeq };
    this.timeline.push(ev);
    if (this.timeline.length > MAX_TIMELINE) this.timeline.splice(0, this.timeline.length - MAX_TIMELINE);
    this.emit('timeline', ev);
  }

  /** Live sockets (hello received, not closed nor closed by the client, not told to go away), newest first. */
  liveSockets(): SocketInfo[] {
    return [...this.sockets.values()]
      .filter(
        (s) =>
          s.helloAt !== undefined &&
          s.closedAt === undefined &&
          s.closingAt === undefined &&
          s.refreshAt === undefined &&
          s.disconnectReason === undefined,
      )
      .sort((a, b) => b.id - a.id);
  }

  /** The simulator connection ids of this page's open sockets (not those the client closed). */
  simConnectionIds(): Set<string> {
    const ids = new Set<string>();
    for (const s of this.sockets.values())
      if (s.simConnectionId && s.closedAt === undefined && s.closingAt === undefined) ids.add(s.simConnectionId);
    return ids;
  }

  /** The tap read sockets' frames into `sockets`: tell the views. */
  socketsChanged(): void {
    this.emit('sockets', undefined);
  }

  /** A new envelope from the wire: numbered, tagged if the page asked for its replay, the oldest dropped past the cap. */
  addEnvelope(e: Omit<EnvelopeEntry, 'seq' | 'replayed'>): void {
    const entry: EnvelopeEntry = { seq: ++this.seq, ...e, replayed: this.replayIds.delete(e.envelope_id) };
    this.envelopes.push(entry);
    this.byId.set(entry.envelope_id, entry);
    if (this.envelopes.length > MAX_ENVELOPES) {
      for (const old of this.envelopes.splice(0, this.envelopes.length - MAX_ENVELOPES))
        this.byId.delete(old.envelope_id);
    }
    this.emit('envelope', entry);
  }

  /** The client wrote an ack frame for this envelope (the first one counts). */
  markAckSent(envelopeId: string, frame: Record<string, unknown>, at: number): void {
    const entry = this.byId.get(envelopeId);
    if (!entry || entry.ack.frame) return;
    const latencyMs = performance.now() - entry.t;
    entry.ack = {
      ...entry.ack,
      state: latencyMs > ACK_DEADLINE_MS ? 'late' : 'acked',
      frame,
      at,
      latencyMs,
      by: entry.ack.by ?? 'client',
    };
    this.emit('ack', entry);
  }

  /** The client handed the envelope to handlers. */
  markDelivered(envelopeId: string): EnvelopeEntry | undefined {
    const e = this.byId.get(envelopeId);
    if (e) {
      e.delivered = true;
      this.emit('ack', e); // the page can ack it now
    }
    return e;
  }

  /**
   * Envelopes the page asked the simulator to replay. The simulator often delivers them before its HTTP answer
   * arrives, so tag those already here and remember the rest.
   */
  markReplayed(ids: string[]): void {
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e) {
        e.replayed = true;
        this.emit('ack', e); // entry changed
      } else this.replayIds.add(id);
    }
  }

  markAckBy(entry: EnvelopeEntry, by: 'auto' | 'manual'): void {
    if (!entry.ack.frame) entry.ack.by = by;
  }

  markAckFailed(entry: EnvelopeEntry, error: string): void {
    if (entry.ack.frame) return;
    entry.ack = { ...entry.ack, state: 'failed', error };
    this.emit('ack', entry);
  }

  /** Called on a timer: pending acks past the deadline become 'missed'. */
  sweepDeadlines(now = performance.now()): void {
    // Envelopes already past the deadline at the previous sweep were settled by it. Not "older than a few
    // deadlines": a sweep can come late (a background tab's throttled timers, a debugger pause, a long task).
    const since = this.lastSweep;
    this.lastSweep = now;
    for (let i = this.envelopes.length - 1; i >= 0; i--) {
      const e = this.envelopes[i]!;
      if (since - e.t > ACK_DEADLINE_MS) break;
      if (e.ack.state === 'pending' && now - e.t > ACK_DEADLINE_MS) {
        e.ack.state = 'missed';
        this.emit('ack', e);
      }
    }
  }

  /** Something outside the session changed an entry's ack (the simulator confirmed or missed it): tell the views. */
  ackChanged(entry: EnvelopeEntry): void {
    this.emit('ack', entry);
  }

  pendingCount(): number {
    let n = 0;
    for (const e of this.envelopes) if (e.ack.state === 'pending') n++;
    return n;
  }

  clear(): void {
    this.envelopes.length = 0;
    this.byId.clear();
    this.emit('reset', undefined);
  }
}
