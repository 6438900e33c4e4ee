// The state one client shares with the parts of its loop (./slots.ts, ./retire.ts, ./dispatch.ts,
// ./shutdown.ts, ./events.ts) and with its features: plain data, and functions that take it as their first
// argument (valibot's style: small functions, nothing hidden in a class hierarchy).
import type { AckQueue, AckableEnvelope } from './ack-queue.ts';
import type { Backoff } from './backoff.ts';
import type { Connection, ConnectionEvents, ConnectionSettings } from './connection.ts';
import type { SocketModeError } from './errors.ts';
import type { Handler } from './events.ts';
import type { Hooks } from './feature.ts';
import type { HealthMarks } from './health.ts';
import type { Logger } from './logger.ts';
import type { CoreOptions } from './options.ts';
import type { ClientState, HelloInfo } from './types.ts';
import { MAX_TIMER_MS } from './web-api.ts';
import type { WebSocketConstructor } from '../transport/websocket.ts';

export type Timer = ReturnType<typeof setTimeout>;

/** One place in the pool: the connection that serves it, and the one that will replace it. */
export interface Slot {
  index: number;
  /** Live (or draining) connection. */
  current?: Connection | undefined;
  /** Connecting connection: the replacement, or the first/next one after a loss. */
  next?: Connection | undefined;
  /** Waiting for a URL. */
  fetching?: boolean;
  /** Backoff timer before the next attempt. */
  retryTimer?: Timer | undefined;
  backoff: Backoff;
  attempts: number;
}

export interface Core {
  readonly opts: CoreOptions;
  readonly logger: Logger;
  readonly settings: ConnectionSettings & { retireAfterWarningMs: number; openTimeoutMs: number };
  readonly drainMs: number;
  /** Each event's handlers, in the order they were registered (a once() handler wrapped). */
  readonly handlers: Map<string, Handler[]>;
  readonly acks: AckQueue;
  /** What each feature takes part in, in the order the features were given. */
  readonly hooks: Hooks[];
  /** Connections to keep live (the pool feature raises it). */
  readonly poolSize: number;
  slots: Slot[];
  /** Every socket held (any state short of closed). */
  readonly conns: Set<Connection>;
  /** The client's own timers: none outlives disconnect(). */
  readonly timers: Set<Timer>;
  runState: ClientState;
  connSeq: number;
  abort?: AbortController | undefined;
  /** Set by start(); never rejects. */
  urlChain: Promise<unknown>;
  /** No apps.connections.open call before this time (a 429, or a refusal): every slot waits. */
  openNotBefore: number;
  WS?: WebSocketConstructor | undefined;
  startPromise?: Promise<HelloInfo> | undefined;
  startSettle?: { resolve: (h: HelloInfo) => void; reject: (e: unknown) => void } | undefined;
  stopPromise?: Promise<void> | undefined;
  hadLive?: boolean;
  /** The fatal error the client is stopping for, while its 'error' handlers run. */
  fatalError?: SocketModeError | undefined;
  /** For health(): when the last start(), error, `reconnecting` and `disconnected` happened, and what they said. */
  readonly marks: HealthMarks;
  /** Errors logged this minute (since logSince) per shape; see emitError. */
  readonly logged: Map<string, number>;
  logSince: number;
  /** While disconnect() waits for acks: checks whether all are made (ends the wait when they are, or if `force`). */
  drain?: ((force?: unknown) => void) | undefined;
  /** Envelope types acked for want of a listener (warned once each). */
  readonly unheard: Set<string>;
  /** What every connection reports to. */
  readonly events: ConnectionEvents;
  /** One envelope from `conn` has been acked (or its ack attempted). */
  readonly ackMade: (conn: Connection, env: AckableEnvelope) => void;
}

/** Runs `fn` after `ms` on a client timer (cleared by the client's stop). */
export function later(c: Core, ms: number, fn: () => void): Timer {
  // Clamped: a longer delay (a Retry-After from a user's own RateLimitedError) would fire at once.
  const t = setTimeout(
    () => {
      c.timers.delete(t);
      fn();
    },
    Math.min(ms, MAX_TIMER_MS),
  );
  c.timers.add(t);
  return t;
}

export function cancel(c: Core, t: Timer | undefined): void {
  // Both are no-ops for undefined.
  clearTimeout(t);
  c.timers.delete(t!);
}

export const stopped = (c: Core): boolean =>
  c.runState === 'disconnecting' || c.runState === 'disconnected' || c.runState === 'idle';

/** Envelopes are dropped: stopped, and not draining (a draining client still takes them). */
export const ignoring = (c: Core): boolean => stopped(c) && !c.drain;

export const slotOf = (c: Core, conn: Connection): Slot | undefined => c.slots[conn.slot];
