// Events out of the client: a Map holds each event's handlers (mitt's shape, without its emit: ours isolates
// each handler), and each runs isolated (its sync or async failure goes
// to `error`, never to the code that emitted). Errors are logged with a rate limit per shape.
import type { TrackedAck } from './ack-queue.ts';
import { later, stopped, type Core } from './context.ts';
import { HandlerError, describe, type SocketModeError } from './errors.ts';
import type { ReconnectingEvent, SocketModeEvents } from './types.ts';

export type Handler = ((arg: any) => unknown) & { original?: Handler };

/** Emits `type`; the promises its handlers return go to `collect` (a caller that waits on them). */
export function emit<K extends keyof SocketModeEvents>(c: Core, type: K, arg: SocketModeEvents[K]): void;
export function emit(c: Core, type: string, arg: unknown, collect?: Array<Promise<unknown>>): void;
export function emit(c: Core, type: string, arg: unknown, collect?: Array<Promise<unknown>>): void {
  observe(c, type, arg);
  if (type === 'reconnecting' || type === 'disconnected')
    c.marks[type] = { at: Date.now(), ...(arg as ReconnectingEvent) };
  const list = c.handlers.get(type);
  if (!list?.length) return;
  if (list.length === 1) return invoke(c, type, list[0]!, arg, collect);
  for (const h of list.slice()) invoke(c, type, h, arg, collect);
}

/** Tells the features that watch the client (hooks.observe): each event emitted, and the core's own facts. */
export function observe(c: Core, type: string, arg: unknown): void {
  for (const h of c.hooks) h.observe?.(type, arg);
}

function invoke(c: Core, type: string, handler: Handler, arg: unknown, collect?: Array<Promise<unknown>>): void {
  try {
    const r = handler(arg);
    // A thenable (object or function, as Promise.resolve takes it): its failure is reported too.
    if (typeof (r as { then?: unknown } | undefined)?.then === 'function') {
      const settled = Promise.resolve(r as PromiseLike<unknown>).then(undefined, (e: unknown) =>
        handlerFailed(c, type, e, arg),
      );
      collect?.push(settled);
    }
  } catch (e) {
    handlerFailed(c, type, e, arg);
  }
}

function handlerFailed(c: Core, type: string, e: unknown, arg: unknown): void {
  if (type === 'error') return c.logger.error(`An 'error' handler failed: ${describe(e)}`);
  // An envelope handler's argument (a primitive or null has no envelope_id).
  const a = arg as { envelope_id?: unknown; ack?: TrackedAck; type: string } | null | undefined;
  const id = a?.envelope_id;
  if (typeof id === 'string') for (const h of c.hooks) h.handlerFailed?.(a as never, !!a!.ack?.attempted);
  emitError(c, new HandlerError(type, e, typeof id === 'string' ? id : undefined));
}

/**
 * Every error goes to the `error` listeners (logged at debug), or without one is logged as an error. The log is
 * limited: per shape (code and message, digits aside) the first 3 a minute in full, then a count.
 */
export function emitError(c: Core, err: SocketModeError): void {
  const at = Date.now();
  c.marks.error = { at, code: err.code, message: err.message };
  const line = `${err.name} [${err.code}]: ${err.message}`;
  if (at - c.logSince >= 60_000) flushLog(c);
  const logged = c.logged;
  // A peer that varies its garbage must not grow this map without bound: past 50 shapes, counted by code alone.
  const key = logged.size < 50 ? line.replace(/\d+/g, '#') : err.code;
  const n = (logged.get(key) ?? 0) + 1;
  logged.set(key, n);
  if (n < 4) logError(c, line);
  // The first one held back: the count is logged a minute on (a client timer: none outlives disconnect()).
  else if (n < 5 && !stopped(c)) later(c, 60_000, () => flushLog(c));
  emit(c, 'error', err);
}

/** At debug when an `error` listener has it, else as an error. */
function logError(c: Core, line: string): void {
  c.logger[c.handlers.get('error')?.length ? 'debug' : 'error'](line);
}

/** Ends the minute: a count for each shape logged more than 3 times in it. */
function flushLog(c: Core): void {
  for (const [key, n] of c.logged) if (n > 3) logError(c, `${key} … repeated ${n - 3} times in the last minute`);
  c.logged.clear();
  c.logSince = Date.now();
}
