// What the simulator observed: acks, deliveries, posts, Web API calls, missed deadlines, bad frames, and the
// "no live connection" gap. Also the tiny event bus behind sim.on() and the /_sim/feed stream.
import { performance } from 'node:perf_hooks';
import type {
  AckRecord,
  ApiCallRecord,
  BadFrameRecord,
  DeliveryRecord,
  MissedRecord,
  OpenRecord,
  PostedRecord,
  SimEventName,
} from './types.ts';

type Listener = (rec: any) => void;

// Caps keep a long-running `npm start` simulator from growing without bound: each list keeps at least the newest
// 10,000 records and is trimmed back to them when it reaches 15,000 (trimming one record per push moved the whole
// array every time: the simulator's main cost under load).
const MAX_RECORDS = 10_000;
const TRIM_AT = 15_000;
const push = <T>(arr: T[], rec: T): void => {
  arr.push(rec);
  if (arr.length >= TRIM_AT) arr.splice(0, arr.length - MAX_RECORDS);
};

export class Records {
  readonly acks: AckRecord[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  readonly posted: PostedRecord[] = [];
  readonly apiCalls: ApiCallRecord[] = [];
  readonly missed: MissedRecord[] = [];
  readonly badFrames: BadFrameRecord[] = [];
  openCalls = 0;
  badClientFrames = 0;

  private readonly listeners = new Map<SimEventName, Set<Listener>>();
  private readonly anyListeners = new Set<(ev: SimEventName, rec: unknown) => void>();

  // Gap accounting: starts at the first hello (or resetStats after one); performance.now() based.
  private gapStarted = false;
  private gapOpenSince: number | undefined;
  private gapTotal = 0;
  private liveCount = 0;

  on(ev: SimEventName, fn: Listener): () => void {
    let set = this.listeners.get(ev);
    if (!set) this.listeners.set(ev, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  onAny(fn: (ev: SimEventName, rec: unknown) => void): () => void {
    this.anyListeners.add(fn);
    return () => this.anyListeners.delete(fn);
  }

  emit(ev: SimEventName, rec: unknown): void {
    // A throwing listener must not break the simulator's own bookkeeping.
    for (const fn of this.listeners.get(ev) ?? []) {
      try {
        fn(rec);
      } catch {
        /* listener error: ignored */
      }
    }
    for (const fn of this.anyListeners) {
      try {
        fn(ev, rec);
      } catch {
        /* ignored */
      }
    }
  }

  addAck(r: AckRecord): void {
    push(this.acks, r);
    this.emit('ack', r);
  }
  addDelivery(r: DeliveryRecord): void {
    push(this.deliveries, r);
    this.emit('delivery', r);
  }
  addPosted(r: PostedRecord): void {
    push(this.posted, r);
    this.emit('posted', r);
  }
  addApiCall(r: ApiCallRecord): void {
    push(this.apiCalls, r);
    this.emit('api_call', r);
  }
  addMissed(r: MissedRecord): void {
    push(this.missed, r);
    this.emit('missed', r);
  }
  addBadFrame(r: BadFrameRecord): void {
    this.badClientFrames++;
    push(this.badFrames, r);
    this.emit('bad_frame', r);
  }
  addOpen(r: OpenRecord): void {
    this.openCalls++;
    this.emit('open', r);
  }

  /** Called whenever the number of live connections may have changed. */
  setLiveCount(n: number, isHello = false): void {
    const now = performance.now();
    if (isHello && !this.gapStarted) this.gapStarted = true;
    this.liveCount = n;
    if (!this.gapStarted) return;
    if (n === 0 && this.gapOpenSince === undefined) this.gapOpenSince = now;
    if (n > 0 && this.gapOpenSince !== undefined) {
      this.gapTotal += now - this.gapOpenSince;
      this.gapOpenSince = undefined;
    }
  }

  noLiveConnectionMs(): number {
    const running = this.gapOpenSince === undefined ? 0 : performance.now() - this.gapOpenSince;
    return this.gapTotal + running;
  }

  reset(): void {
    this.acks.length = 0;
    this.deliveries.length = 0;
    this.posted.length = 0;
    this.apiCalls.length = 0;
    this.missed.length = 0;
    this.badFrames.length = 0;
    this.badClientFrames = 0;
    this.openCalls = 0;
    this.gapTotal = 0;
    // Restart the gap clock now if accounting had started and nothing is live at this moment.
    this.gapOpenSince = this.gapStarted && this.liveCount === 0 ? performance.now() : undefined;
  }

  clearListeners(): void {
    this.listeners.clear();
    this.anyListeners.clear();
  }
}
