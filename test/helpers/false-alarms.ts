// Counts socket replacements that were not needed: a liveness verdict ('reconnecting' whose reason says the
// client judged the socket dead) on a socket the simulator never made dead (half-open, silent death, drop).
// The client's 'connected' event names the simulator's connection in hello's debug_info.host.
import type { SocketModeClient } from '../../src/index.ts';
import type { Simulator } from '../../src/simulator/index.ts';

/** 'reconnecting' reasons that are a liveness verdict (not an announced or observed close). */
export const LIVENESS_REASONS: ReadonlySet<string> = new Set(['pong_timeout', 'silent']);
const DEAD_MAKING_FAULTS = new Set(['half_open', 'silent_death', 'drop']);

export interface FalseAlarms {
  /** Liveness verdicts so far, needed or not. */
  verdicts(): number;
  /** Simulator connection ids (or 'unknown:slot N') of verdicts on sockets the simulator never faulted. */
  unneeded(): string[];
}

export function watchFalseAlarms(client: SocketModeClient, sim: Pick<Simulator, 'on'>): FalseAlarms {
  const slotConn = new Map<number, string>();
  const faulted = new Set<string>();
  const verdicts: string[] = [];
  client.on('connected', (e) => {
    const host = (e.debug_info as { host?: unknown } | undefined)?.host;
    const seq = typeof host === 'string' ? /-(\d+)$/.exec(host)?.[1] : undefined;
    slotConn.set(e.slot, seq ? `conn-${seq}` : `unknown:slot ${e.slot}`);
  });
  client.on('reconnecting', (e) => {
    if (LIVENESS_REASONS.has(e.reason)) verdicts.push(slotConn.get(e.slot) ?? `unknown:slot ${e.slot}`);
  });
  sim.on('fault', (f: { fault: string; connectionIds?: string[] }) => {
    if (DEAD_MAKING_FAULTS.has(f.fault)) for (const id of f.connectionIds ?? []) faulted.add(id);
  });
  return {
    verdicts: () => verdicts.length,
    // Judged at the end of a run: a fault is recorded before the verdict it causes, never after.
    unneeded: () => verdicts.filter((id) => !faulted.has(id)),
  };
}
