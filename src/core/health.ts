// client.health(): what a readiness or liveness probe needs, built from plain data the client records (no
// timers, nothing kept per envelope). ../backend/health-handler.ts serves it on a `/healthz`-style route.
// Kept small: it is in every bundle of the client.
import { stopped, type Core } from './context.ts';
import { liveCount } from './slots.ts';

/** One socket the client holds (any state short of closed): the client's own fields, as they are. */
export interface ConnectionHealth {
  id: string;
  slot: number;
  state: 'connecting' | 'awaiting_hello' | 'live' | 'closing' | 'closed';
  /** Date.now() of the last frame received on it (any frame; a pong where the socket can ping); 0 before any. */
  lastFrameAt: number;
  /** Being replaced make-before-break (refresh, warning, rotation, missed pong): it works until it closes. */
  draining: boolean;
  /** Missed a pong: presumed dead (not live, whatever `state` says). */
  dead: boolean;
  /** Envelopes it delivered whose ack has not been sent yet. */
  unacked: number;
}

/** `client.health()`: plain JSON data; every time is ms since the epoch. */
export interface HealthReport {
  /** ok: every slot of the pool has a live connection; degraded: some do; down: none, or the client is not running. */
  status: 'ok' | 'degraded' | 'down';
  /** Readiness: running with at least one live connection (envelopes arrive and can be acked). */
  ready: boolean;
  /**
   * Liveness: false only when restarting the process can help: the client stopped on a fatal error, or it has been
   * running with no live connection for longer than `maxDownMs`. Idle, stopping or deliberately stopped is live.
   */
  live: boolean;
  state: 'idle' | 'starting' | 'connected' | 'reconnecting' | 'disconnecting' | 'disconnected';
  /** When this report was made (ages are `at` minus the other times). */
  at: number;
  /** When start() was last called; null if never. */
  startedAt: number | null;
  /** While running with no live connection: since when (the start, or the loss of the last one); else null. */
  downSince: number | null;
  /** Slots with a live connection (a socket being replaced and its replacement count once). */
  liveConnections: number;
  poolSize: number;
  connections: ConnectionHealth[];
  /** Envelopes received whose ack has not reached a socket: handlers not done yet, or acks queued for a socket. */
  acksInFlight: number;
  /** The last error emitted: its code and message (redacted when the error was made; no cause). */
  lastError: { at: number; code: string; message: string } | null;
  /** The last `reconnecting` event (why, which slot, make-before-break or after a backoff). */
  lastReconnect: {
    at: number;
    slot: number;
    reason: string;
    delayMs: number;
    attempt: number;
    makeBeforeBreak: boolean;
  } | null;
}

export interface HealthOptions {
  /** `live` turns false after this long running without a live connection. Default 120000 (backoff caps at 30 s). */
  maxDownMs?: number;
}

/** What the client records for health(), as it happens: the time of each (ms epoch) and what it said. */
export interface HealthMarks {
  start?: number;
  error?: HealthReport['lastError'];
  reconnecting?: HealthReport['lastReconnect'];
  disconnected?: { at: number; error?: unknown };
}

export function healthReport(c: Core, o: HealthOptions = {}): HealthReport {
  const { runState: state, poolSize, conns, marks: m } = c;
  const down = stopped(c);
  const at = Date.now();
  let acksInFlight = 0;
  const connections: ConnectionHealth[] = [...conns].map(
    ({ id, slot, state, lastFrameAt, replacing, dead, unacked }) => {
      acksInFlight += unacked;
      return { id, slot, state, lastFrameAt, draining: !!replacing, dead, unacked };
    },
  );
  // An ack queued for a socket still open is already counted in that socket's `unacked`.
  for (const q of c.acks.queued) if (!conns.has(q.preferred!)) acksInFlight++;
  const n = down ? 0 : liveCount(c);
  const downSince = down || n ? null : Math.max(m.start!, m.disconnected?.at ?? 0);
  return {
    status: !n ? 'down' : n < poolSize ? 'degraded' : 'ok',
    ready: n > 0,
    live: !(state === 'disconnected' && m.disconnected?.error) && !(at - (downSince ?? at) > (o.maxDownMs ?? 120_000)),
    state,
    at,
    startedAt: m.start ?? null,
    downSince,
    liveConnections: n,
    poolSize,
    connections,
    acksInFlight,
    lastError: m.error ?? null,
    lastReconnect: m.reconnecting ?? null,
  };
}
