// Silence in a pool: the best the protocol allows where a socket cannot be pinged (Deno, browsers, workerd,
// undici). Slack routes each envelope to a random live connection, so a member that has received nothing for a
// while, while its siblings received many envelopes, is almost surely dead: Slack still routes its share there.
// The number of sibling envelopes asked for is set so a healthy member goes that long unrouted with odds of
// 1 in 10^9 (an idle app never condemns anyone: no envelopes, no evidence).
import type { Connection } from '../core/connection.ts';

/** A member is judged only after this long without any frame. */
const SILENT_MS = 2000;
/** How often the pool is looked at. */
const TICK_MS = 500;
/** A look this late means the event loop was stalled (frames may wait unread): it is skipped. */
const LATE_MS = 100;
/** -ln(10^-9): the odds of a false alarm per silent stretch. */
const LN_ODDS = 20.8;
/**
 * Default rotateAfterMs of a pool's sockets that cannot ping, per member: silence finds a dead member while
 * envelopes flow, so rotation only covers an idle pool, and the pool's apps.connections.open calls stay at 0.4 a
 * minute whatever its size (Slack allows about one a minute sustained). A single connection keeps the core's 5 min.
 */
export const POOL_ROTATE_MS = 150_000;

export class SilenceWatch {
  private seen = 0;
  /** `seen` at each member's last envelope (or when first looked at). */
  private readonly at = new WeakMap<Connection, number>();
  private on = false;

  constructor(
    private readonly later: (ms: number, fn: () => void) => unknown,
    /** The pool's live members (not being replaced). */
    private readonly members: () => Connection[],
    private readonly onSilent: (conn: Connection, missed: number) => void,
  ) {}

  /** An envelope arrived on `conn` (duplicates too: they were routed). */
  saw(conn: Connection): void {
    this.at.set(conn, ++this.seen);
  }

  /** From the first hello; the client's stop clears the pending look, and calls stop(). */
  start(): void {
    if (this.on) return;
    this.on = true;
    this.tick(Date.now() + TICK_MS);
  }

  stop(): void {
    this.on = false;
  }

  private tick(due: number): void {
    this.later(TICK_MS, () => {
      const now = Date.now();
      if (now - due < LATE_MS) this.look(now);
      this.tick(now + TICK_MS);
    });
  }

  private look(now: number): void {
    const conns = this.members();
    // Slack's count (from hello) may include ghosts: a larger pool asks for more evidence.
    let m = conns.length;
    for (const c of conns) m = Math.max(m, c.hello?.num_connections ?? 0);
    if (conns.length < 2) return;
    let worst: Connection | undefined;
    let most = Math.ceil(LN_ODDS / -Math.log(1 - 1 / m)) - 1;
    for (const c of conns) {
      let at = this.at.get(c);
      if (at === undefined) this.at.set(c, (at = this.seen));
      if (now - c.lastFrameAt >= SILENT_MS && this.seen - at > most) {
        worst = c;
        most = this.seen - at;
      }
    }
    if (worst) this.onSilent(worst, most);
  }
}
