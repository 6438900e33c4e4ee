// proactiveRefresh(fraction): replace each connection make-before-break before Slack would refresh it, at
// `fraction` of hello's approximate_connection_time, plus a per-slot stagger so a pool that connected together
// does not rotate together (and, once staggered, stays staggered).
import { InvalidOptionsError } from '../core/errors.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { replace } from '../core/slots.ts';
import { MAX_TIMER_MS } from '../core/web-api.ts';

export function proactiveRefresh(fraction = 0.85): Feature {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new InvalidOptionsError('proactiveRefresh must be > 0 and < 1, or false');
  }
  return defineFeature((c) => ({
    connected(conn, slot, hello) {
      const sec = hello.debug_info?.approximate_connection_time;
      if (typeof sec !== 'number' || !Number.isFinite(sec) || sec <= 0) return;
      // (The numbers are written in place: a named constant costs bundle bytes.) Stagger: 0.05·i/n; never sooner
      // than 1 s after hello, whatever approximate_connection_time says.
      const f = Math.min(0.99, fraction + (0.05 * slot.index) / c.poolSize);
      const ms = Math.min(MAX_TIMER_MS, Math.max(1000, Math.round(sec * 1000 * f)));
      conn.schedule('proactive_refresh', ms, () => {
        if (slot.current !== conn || conn.state !== 'live' || conn.replacing || conn.dead) return;
        c.logger.info(
          `Slot ${slot.index}: ${conn.id} is ${Math.round(f * 100)} % through its expected life; replacing it`,
        );
        replace(c, conn, 'connection_time');
      });
    },
  }));
}
