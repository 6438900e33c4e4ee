// "Replace connection": the page's client opens a new socket and retires the old one once the new one has its
// hello (make-before-break), as it does itself when Slack asks for a refresh. For a socket the panel knows is not
// heard (the simulator reports it half-open, or never confirmed its acks) while the client cannot tell: a browser
// WebSocket cannot ping, so it would only find out at its next rotation.
import type { Core } from '../../core/context.ts';
import { defineFeature, type Feature } from '../../core/feature.ts';
import { replace } from '../../core/slots.ts';

export interface Replaceable {
  /** Given to the client in `features`. */
  feature: Feature;
  /** Replace every live connection (each slot's); returns how many are being replaced. */
  replaceAll(reason: string): number;
}

export function replaceable(): Replaceable {
  let core: Core | undefined;
  const feature = defineFeature((c) => {
    core = c;
    return {};
  });
  return {
    feature,
    replaceAll(reason) {
      if (!core) return 0;
      let n = 0;
      for (const slot of core.slots) {
        const conn = slot.current;
        if (!conn || conn.state !== 'live' || conn.replacing) continue;
        // Presumed dead: no ack is written into it any more (they go to the replacement once it is live).
        conn.dead = true;
        replace(core, conn, reason);
        n++;
      }
      return n;
    },
  };
}
