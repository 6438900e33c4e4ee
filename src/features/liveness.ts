// pingLiveness(): sockets that ping where the runtime allows (./live-socket.ts), and what the client does with
// one presumed dead: replace it make-before-break (or stop, when autoReconnectEnabled is false).
import { Connection } from '../core/connection.ts';
import { slotOf, stopped, type Core } from '../core/context.ts';
import { ConnectionError } from '../core/errors.ts';
import { emit } from '../core/events.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { msOption } from '../core/options.ts';
import { fatal } from '../core/shutdown.ts';
import { checkLiveLoss, ensure } from '../core/slots.ts';
import { liveSocket } from './live-socket.ts';

export interface LivenessOptions {
  /**
   * Where the socket can ping (ws, Bun): ping once nothing has been received for this long (a busy socket is never
   * pinged: any frame is proof of life); 0 disables pinging.
   * @default `1000`
   */
  pingIntervalMs?: number;
  /**
   * Nothing received (pong or any frame) this long after a ping = dead socket, replaced make-before-break; a
   * stalled event loop gets a fresh window. A silently dead socket is replaced within ~2.1 s.
   * @default `1000`
   */
  pongTimeoutMs?: number;
  /**
   * Where the socket's byte stream is reachable (ws on Node), acks written while one network read's frames are
   * handled leave in one write instead of one syscall each; false writes every frame at once.
   * @default `true`
   */
  coalesceWrites?: boolean;
}

/**
 * pingLiveness(): sockets that ping where the runtime allows (a dead one is replaced make-before-break), take
 * binary frames, and coalesce writes on ws.
 */
export function pingLiveness(o: LivenessOptions = {}): Feature {
  const pingIntervalMs = msOption(o.pingIntervalMs, 1000, 'pingIntervalMs');
  const pongTimeoutMs = msOption(o.pongTimeoutMs, 1000, 'pongTimeoutMs');
  const coalesceWrites = o.coalesceWrites !== false;
  return defineFeature((c) => ({
    connection: (co) =>
      new Connection({
        ...co,
        addOn: liveSocket({
          ...co,
          pingIntervalMs,
          pongTimeoutMs,
          coalesceWrites,
          // A pinged socket missed its pong: replace it make-before-break (it may still deliver until it closes).
          onDead: (conn) => onDead(c, conn, pongTimeoutMs),
        }),
      }),
  }));
}

function onDead(c: Core, conn: Connection, pongTimeoutMs: number): void {
  if (stopped(c)) return;
  const slot = slotOf(c, conn);
  if (c.opts.autoReconnectEnabled === false && slot?.current === conn) {
    // No recovery wanted: a dead live socket ends the client, as an unexpected close does.
    return fatal(c, new ConnectionError(`connection ${conn.id}: no pong within ${pongTimeoutMs} ms`));
  }
  // A replaced (retired) or not-yet-live socket: nothing waits on it.
  if (!slot || slot.current !== conn) return void conn.close(1000, 'pong timeout');
  emit(c, 'reconnecting', { slot: slot.index, reason: 'pong_timeout', delayMs: 0, attempt: 0, makeBeforeBreak: true });
  checkLiveLoss(c, 'pong_timeout');
  ensure(c, slot);
}
