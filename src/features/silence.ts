// Silence in a pool: the best the protocol allows where a socket cannot be pinged (Deno, browsers, workerd,
// undici). Slack routes each envelope to a random live connection, so a member that has received nothing for a
// while, while its siblings received many envelopes, is almost surely dead: Slack still routes its share there.
// It takes 21·m sibling envelopes in a pool of m: a healthy member goes that long unrouted with odds
// ((m-1)/m)^(21m) < e^-21, under 1 in 10^9; an idle app never condemns anyone (no envelopes, no evidence). A member
// whose socket is pinged is left to its pong: the two verdicts would otherwise race (~2.0 s each).
import { later, type Core } from '../core/context.ts';
import type { Connection } from '../core/connection.ts';

/** A member is judged only after this long without any frame. */
const SILENT_MS = 2000;
/** How often the pool is looked at. */
const TICK_MS = 500;
/** A look this late means the event loop was stalled (frames may wait unread): it is skipped. */
const LATE_MS = 100;
/** Sibling envelopes per member asked for: -ln(10^-9) ≈ 20.8. */
const PER_MEMBER = 21;

/**
 * Returns what to call for each envelope received (and each hello). While envelopes flow, the pool is looked at
 * TICK_MS after one (on a client timer, so its stop ends it); a silent member goes to `onSilent`.
 */
export function watchSilence(c: Core, onSilent: (conn: Connection) => void): (conn: Connection) => void {
  let seen = 0;
  let due = 0;
  // By slot: `seen` at its last envelope or hello (a replaced socket still draining only makes its slot look alive).
  const at: number[] = [];
  return (conn) => {
    at[conn.slot] = ++seen;
    const d = Date.now() + TICK_MS;
    if (d - due < TICK_MS) return;
    due = d;
    later(c, TICK_MS, () => {
      const now = Date.now();
      const pool = c.slots;
      if (now - d > LATE_MS) return;
      let suspect: Connection | undefined;
      for (const { current: c } of pool) {
        // Only a whole pool is judged: none missing or being replaced (so suspects go one at a time).
        if (c?.state !== 'live' || c.replacing || c.dead) return;
        // A member that is pinged is judged by its pong (more precise, and never by chance).
        if (!suspect && !c.pinged && now - c.lastFrameAt >= SILENT_MS && seen - at[c.slot]! > PER_MEMBER * pool.length)
          suspect = c;
      }
      if (suspect) onSilent(suspect);
    });
  };
}
