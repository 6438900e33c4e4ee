// When each envelope waiting for its ack arrived, for metrics(): a ring of preallocated slots (the frame, its arrival
// time) in arrival order, so an arrival allocates nothing. The ring is compacted in place when acks leave holes, and
// doubles (rarely: a burst of slow handlers) up to MAX_WAITING; past that the oldest is given up. An ack looks for
// its envelope from the oldest: acks come mostly in arrival order, so the look is short.

/** Envelopes waiting for an ack that are held; past this the oldest is given up (counted as a missed deadline). */
export const MAX_WAITING = 16_384;
/** An envelope past its deadline is given up this long after its arrival (Slack has retried or failed it by then). */
export const GIVE_UP_MS = 60_000;

export class Arrivals {
  private frames: Array<object | undefined> = new Array<undefined>(64).fill(undefined);
  /** Arrival times (ms epoch); negated once the envelope's missed deadline is counted. */
  private times = new Float64Array(64);
  /** Absolute indices (masked to read the ring): the oldest slot in use, and the next free one. */
  private tail = 0;
  private head = 0;
  private held = 0;
  /** Set by sweep(): when to sweep next (ms epoch), or 0 if nothing is waiting. */
  wake = 0;

  /** Records `frame`'s arrival; returns the missed deadlines counted for one given up to make room (0 or 1). */
  add(frame: object, at: number): number {
    let missed = 0;
    if (this.head - this.tail === this.frames.length) {
      if (this.held * 2 <= this.frames.length) this.compact();
      else if (this.frames.length < MAX_WAITING) this.grow();
      else {
        const k = this.tail & (this.frames.length - 1);
        if (this.times[k]! >= 0) missed = 1;
        this.remove(k);
      }
    }
    const k = this.head++ & (this.frames.length - 1);
    this.frames[k] = frame;
    this.times[k] = at;
    this.held++;
    return missed;
  }

  /** Takes `frame` out: its arrival time (negative once its missed deadline is counted), or NaN if it is not held. */
  take(frame: object): number {
    const mask = this.frames.length - 1;
    for (let i = this.tail; i < this.head; i++) {
      const k = i & mask;
      if (this.frames[k] === frame) {
        const at = this.times[k]!;
        this.remove(k);
        return at;
      }
    }
    return NaN;
  }

  /** Takes out the newest envelope with this envelope_id (a duplicate dedupe acked: the one that just arrived). */
  takeId(id: string): void {
    const mask = this.frames.length - 1;
    for (let i = this.head - 1; i >= this.tail; i--) {
      const k = i & mask;
      if ((this.frames[k] as { envelope_id?: unknown } | undefined)?.envelope_id === id) return this.remove(k);
    }
  }

  /**
   * Marks the envelopes past their deadline (returns how many) and gives up those held GIVE_UP_MS; sets `wake` to
   * the next time one of them is due.
   */
  sweep(now: number, deadlineMs: number): number {
    const mask = this.frames.length - 1;
    let missed = 0;
    let wake = 0;
    for (let i = this.tail; i < this.head; i++) {
      const k = i & mask;
      if (!this.frames[k]) continue;
      const at = this.times[k]!;
      if (at < 0) {
        // Already counted: the oldest such one is the next to be given up.
        if (now + at >= GIVE_UP_MS) this.remove(k);
        else wake ||= GIVE_UP_MS - at;
        continue;
      }
      if (at + deadlineMs > now) {
        wake = wake ? Math.min(wake, at + deadlineMs) : at + deadlineMs;
        break;
      }
      missed++;
      this.times[k] = -at;
      wake ||= at + GIVE_UP_MS;
    }
    this.wake = wake;
    return missed;
  }

  clear(): void {
    this.frames.fill(undefined);
    this.tail = this.head = this.held = 0;
  }

  private remove(k: number): void {
    this.frames[k] = undefined;
    this.held--;
    const mask = this.frames.length - 1;
    while (this.tail < this.head && !this.frames[this.tail & mask]) this.tail++;
  }

  /** Slides the held slots together, oldest first (no allocation). */
  private compact(): void {
    const mask = this.frames.length - 1;
    let to = this.tail;
    for (let i = this.tail; i < this.head; i++) {
      const k = i & mask;
      const f = this.frames[k];
      if (!f) continue;
      const d = to++ & mask;
      if (d === k) continue;
      this.frames[d] = f;
      this.times[d] = this.times[k]!;
      this.frames[k] = undefined;
    }
    this.head = to;
  }

  /** Doubles the ring, the held slots copied in order from index 0. */
  private grow(): void {
    const n = this.frames.length;
    const frames = new Array<object | undefined>(n * 2).fill(undefined);
    const times = new Float64Array(n * 2);
    let to = 0;
    for (let i = this.tail; i < this.head; i++) {
      const k = i & (n - 1);
      if (!this.frames[k]) continue;
      frames[to] = this.frames[k];
      times[to++] = this.times[k]!;
    }
    this.frames = frames;
    this.times = times;
    this.tail = 0;
    this.head = to;
  }
}
