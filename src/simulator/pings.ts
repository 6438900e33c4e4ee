// Server pings on a live connection, each with a pong deadline: a peer that misses it is terminated.
import { WebSocket } from 'ws';
import type { Conn } from './conn.ts';
import type { TimerBag } from './timers.ts';
import type { ResolvedOptions } from './types.ts';

export interface PingDeps {
  opts: ResolvedOptions;
  timers: TimerBag;
  /** a timer owned by the connection (cleared with its other timers) */
  connTimer(conn: Conn, ms: number, fn: () => void): NodeJS.Timeout | undefined;
}

export function startPings(conn: Conn, deps: PingDeps): void {
  const { pingIntervalMs, pongTimeoutMs } = deps.opts;
  if (!pingIntervalMs) return;
  const t = deps.timers.every(pingIntervalMs, () => {
    if (conn.state === 'half-open' || conn.state === 'closed' || conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.silentSince !== undefined) return;
    if (conn.awaitingPong) return; // the pong deadline timer is already running
    conn.awaitingPong = true;
    conn.ws.ping();
    conn.pongTimer = deps.connTimer(conn, pongTimeoutMs, () => {
      conn.pongTimer = undefined;
      if (!conn.awaitingPong || conn.state === 'half-open' || conn.state === 'closed') return;
      deps.opts.log(`link: ${conn.id} missed pong; terminating`);
      conn.ws.terminate(); // a peer that does not pong will not complete a close handshake either
    });
  });
  if (t) conn.timers.add(t);
}
