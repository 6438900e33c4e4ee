// Getting each socket's one-time wss:// URL: one apps.connections.open call (or user `openConnection`) at a
// time, each with a deadline; a 429 or a refusal holds every slot back; fatal answers stop the client.
import { cancel, later, type Core, type Slot, type Timer } from './context.ts';
import {
  DisconnectedError,
  InsecureUrlError,
  NetworkError,
  RateLimitedError,
  SlackApiError,
  SocketModeError,
  describe,
} from './errors.ts';
import { emitError } from './events.ts';
import { fatal } from './shutdown.ts';
import { scheduleRetry } from './slots.ts';
import { FATAL_OPEN_ERRORS, MAX_TIMER_MS, openConnectionUrl } from './web-api.ts';

/** Serialized: one apps.connections.open call at a time, each with a deadline, and a 429 holds every slot back. */
export function getUrl(c: Core): Promise<string> {
  // The run that asked: a request queued behind one that outlived disconnect() must not go out in a later run.
  const outer = c.abort!.signal;
  const run = async (): Promise<string> => {
    // After a 429 or a refusal every slot waits.
    const wait = c.openNotBefore - Date.now();
    // The wait ends early if the client stops (and the request is then dropped).
    if (wait > 0 && !outer.aborted) {
      await new Promise<void>((resolve) => {
        const t = later(c, wait, resolve);
        outer.addEventListener('abort', () => resolve(cancel(c, t)), { once: true });
      });
    }
    if (outer.aborted) throw new DisconnectedError();
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort();
    outer.addEventListener('abort', onAbort, { once: true });
    const o = c.opts;
    const ms = c.settings.openTimeoutMs;
    let t: Timer | undefined;
    try {
      return await Promise.race([
        o.openConnection ? o.openConnection() : openConnectionUrl({ ...o, signal: ctl.signal }),
        new Promise<never>((_, reject) => {
          t = later(c, ms, () => {
            ctl.abort();
            reject(new NetworkError('apps.connections.open', new Error(`no answer within ${ms} ms`)));
          });
        }),
      ]);
    } finally {
      cancel(c, t);
      outer.removeEventListener('abort', onAbort);
    }
  };
  const p = c.urlChain.then(run);
  c.urlChain = p.catch(() => undefined);
  return p;
}

/** Holds every slot's next apps.connections.open call until `ms` from now (a 429, or Slack's refusal). */
export function holdOpens(c: Core, ms: number): void {
  c.openNotBefore = Math.max(c.openNotBefore, Date.now() + ms);
}

export function openFailed(c: Core, slot: Slot, err: unknown): void {
  // Every failed attempt reaches `error` with a code; what a user's openConnection threw is wrapped.
  const e =
    err instanceof SocketModeError
      ? err
      : new SocketModeError('connection_url_unavailable', `openConnection: ${describe(err)}`, { cause: err });
  if (e instanceof SlackApiError && (e.fatal || FATAL_OPEN_ERRORS.has(e.slackError))) return fatal(c, e);
  // The runtime forbids the network (Deno without --allow-net): no retry can change that, so say it once.
  if (
    e instanceof InsecureUrlError ||
    (e instanceof NetworkError && (e.cause as { name?: unknown } | undefined)?.name === 'NotCapable')
  )
    return fatal(c, e);
  emitError(c, e);
  if (e instanceof RateLimitedError) {
    // A user's openConnection may throw its own RateLimitedError: keep its wait within what a timer can hold.
    const waitMs = Number.isFinite(e.retryAfterMs) ? Math.min(Math.max(0, e.retryAfterMs), MAX_TIMER_MS) : 60_000;
    holdOpens(c, waitMs);
    return scheduleRetry(c, slot, 'rate_limited', waitMs);
  }
  scheduleRetry(c, slot, 'open_failed');
}
