// ghostWarnings(): Slack's hello counts more connections than this client holds — stale sockets Slack has not
// dropped yet (e.g. behind NAT), or another process on the same app. Each takes a share of the envelopes and
// counts against Slack's cap of 10: said in the log and as a `ghost_connections` event.
import { emit } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';

export function ghostWarnings(): Feature {
  return defineFeature((c) => ({
    connected(conn, slot, _hello, ev) {
      if (ev.ghosts <= 0) return;
      c.logger.warn(
        `${ev.ghosts} ghost connection(s) take envelopes: Slack counts ${ev.num_connections}, we hold ${ev.held}`,
      );
      emit(c, 'ghost_connections', {
        connection_id: conn.id,
        slot: slot.index,
        num_connections: ev.num_connections!,
        held: ev.held,
        ghosts: ev.ghosts,
      });
    },
  }));
}
