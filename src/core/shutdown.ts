// Stopping: on a fatal error at once, on disconnect() after a drain — each socket stays open (still taking
// envelopes) until every envelope it received is acked and none has arrived for a moment, then closes.
import type { Core, Timer } from './context.ts';
import { stopped } from './context.ts';
import { DisconnectedError, describe, type SocketModeError } from './errors.ts';
import { emit, emitError } from './events.ts';

/** A graceful disconnect() closes once no envelope has arrived for this long (and every one is acked). */
const QUIET_MS = 250;

export function fatal(c: Core, err: SocketModeError): void {
  if (stopped(c)) return;
  // An 'error' handler that calls disconnect() must not hide why the client stops (start()'s rejection, `disconnected`).
  c.fatalError = err;
  emitError(c, err);
  void stop(c, err.code, err);
}

export function stop(c: Core, reason: string, err?: SocketModeError, drainMs = 0): Promise<void> {
  if (c.stopPromise) return c.stopPromise;
  if (!err && c.fatalError) {
    err = c.fatalError;
    reason = err.code;
  }
  c.fatalError = undefined;
  // Re-entered from a `disconnecting` handler: the outer call sets stopPromise before returning.
  if (c.runState === 'disconnecting') return Promise.resolve().then(() => c.stopPromise);
  c.runState = 'disconnecting';
  emit(c, 'disconnecting', { reason });
  c.abort?.abort();
  for (const t of c.timers) clearTimeout(t);
  c.timers.clear();
  const settle = c.startSettle;
  c.startSettle = undefined;
  settle?.reject(err ?? new DisconnectedError('disconnect() before hello'));
  // Each socket closes on its own once nothing it received is unacked and none has arrived on it for QUIET_MS
  // (Slack may have more in flight: it routes here until the close). Under steady traffic a socket is never quiet:
  // past half the bound, a moment with nothing unacked is the best there will be (Slack then routes to the other
  // sockets, or replicas), rather than cutting handlers at the bound. Asked again on each ack, and after one wait.
  const patience = Date.now() + drainMs / 2;
  const wait = (): number => {
    let w = 0;
    for (const x of c.conns)
      if (x.canSend) {
        const q = x.unacked ? QUIET_MS : Math.min(x.lastFrameAt, patience) + QUIET_MS - Date.now();
        if (q > 0) w = q;
        else void x.close(1000, 'client disconnect');
      }
    return w;
  };
  c.stopPromise = (async () => {
    if (drainMs > 0 && wait() > 0)
      await new Promise<void>((resolve) => {
        let q: Timer | undefined;
        const check = (force?: unknown): void => {
          const w = force ? 0 : wait();
          clearTimeout(q);
          if (w > 0) return void (q = setTimeout(check, w));
          clearTimeout(t);
          c.drain = undefined;
          resolve();
        };
        const t = setTimeout(check, drainMs, 1);
        c.drain = check;
        check();
      });
    c.acks.shutdown();
    // A feature's last words (the fleet's lease release) are awaited before disconnect() resolves.
    const last = c.hooks.map((h) => h.stopping?.());
    await Promise.all([...c.conns].map((x) => x.close(1000, 'client disconnect')));
    // Let an aborted apps.connections.open call settle so no socket outlives disconnect().
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, c.settings.closeTimeoutMs);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      c.urlChain.then(done);
    });
    await Promise.all(last);
    for (const s of c.slots) s.current = s.next = s.retryTimer = undefined;
    c.conns.clear();
    c.runState = 'disconnected';
    emit(c, 'disconnected', { reason, willReconnect: false, ...(err && { error: err }) });
  })().catch((e: unknown) => {
    c.runState = 'disconnected';
    c.logger.error(`disconnect failed: ${describe(e)}`);
  });
  return c.stopPromise;
}
