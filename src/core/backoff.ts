// Exponential backoff with full jitter: each delay is drawn uniformly in [0, min(maxMs, initialMs * factor^n)].
// Full jitter spreads a fleet of clients that all lost Slack at once; drawing per attempt (not per client)
// keeps two clients from marching in lockstep.

export interface BackoffOptions {
  /** Upper bound of the first delay. Default 1000. */
  initialMs?: number;
  /** Cap on the upper bound. Default 30000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Minimum delay after Slack answers `too_many_websockets` (more attempts make it worse). Default 30000. */
  tooManyWebSocketsMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 1000,
  maxMs: 30_000,
  factor: 2,
  tooManyWebSocketsMs: 30_000,
};

export class Backoff {
  /** Delays handed out since start, or since the last reset (which sets -1: the next retry is immediate). */
  attempts = 0;
  declare private readonly opts: Required<BackoffOptions>;
  declare private readonly random: () => number;
  constructor(opts: BackoffOptions = {}, random: () => number = Math.random) {
    this.random = random;
    this.opts = { ...DEFAULT_BACKOFF };
    // An option left undefined keeps its default.
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) this.opts[k as keyof BackoffOptions] = v;
  }
  /** Next delay in ms; `floorMs` raises the result (e.g. Retry-After). */
  next(floorMs = 0): number {
    const { initialMs, maxMs, factor } = this.opts;
    // -1 (reset after a healthy connection): the first retry goes at once. A socket that lived that long and
    // then dropped is one socket's fault, and every ms without one fails slash commands; a second failure backs off.
    const a = this.attempts++;
    const ceiling = a < 0 ? 0 : Math.min(maxMs, initialMs * factor ** a);
    return Math.max(floorMs, Math.floor(this.random() * Math.max(0, ceiling)));
  }
  /** A connection stayed healthy: the next retry is immediate, the ones after it back off from initialMs again. */
  reset(): void {
    this.attempts = -1;
  }
  /**
   * A connection live this long resets the backoff; one that dies sooner (a server that says hello, then closes)
   * keeps it growing. 10 s: longer than a flapping peer lasts, far shorter than a healthy Slack socket (hours);
   * never more than maxMs, so a connection lasting that long costs no more than one capped wait.
   */
  get healthyMs(): number {
    return Math.min(10_000, this.opts.maxMs);
  }
  get tooManyWebSocketsMs(): number {
    return this.opts.tooManyWebSocketsMs;
  }
}
