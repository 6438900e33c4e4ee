// The reconnect loop: each slot of the pool keeps one live connection, replaced make-before-break (the new
// socket says hello before the old one goes), within a socket budget, with backoff after failures.
import { Backoff } from './backoff.ts';
import { cancel, later, slotOf, stopped, type Core, type Slot } from './context.ts';
import { ConnectionError, SocketModeError } from './errors.ts';
import { emit, emitError, observe } from './events.ts';
import { getUrl, openFailed } from './open-url.ts';
import { retire } from './retire.ts';
import { fatal } from './shutdown.ts';
import { Connection, type ConnectionCloseInfo } from './connection.ts';
import type { HelloFrame } from './schemas.ts';
import type { ConnectedEvent, HelloInfo } from './types.ts';
import { assertSecureUrl } from './url.ts';

/** Slack's cap on open Socket Mode connections per app. */
export const MAX_SLACK_CONNECTIONS = 10;

export function newSlots(c: Core): Slot[] {
  return Array.from({ length: c.poolSize }, (_, index) => ({
    index,
    backoff: new Backoff(c.opts.backoff),
    attempts: 0,
  }));
}

/**
 * Gives every slot that needs a socket its attempt: in a pool, slots with no usable connection first, then those
 * whose connection still works but is being replaced.
 */
export function ensureAll(c: Core): void {
  for (const first of [true, false])
    for (const s of c.slots) {
      const x = s.current;
      if (first === (!x || x.dead || x.state === 'closing' || x.state === 'closed')) ensure(c, s);
    }
}

/**
 * Starts an attempt for `slot` if it needs one, none is under way and no backoff is pending, within the socket
 * budget: open sockets plus URLs being fetched never exceed n + 1 (nor Slack's cap of 10). Replacements are
 * therefore serialized: while one slot swaps, another that also needs a new socket waits for the old one to close.
 */
export function ensure(c: Core, slot: Slot): void {
  if (stopped(c) || slot.fetching || slot.next || slot.retryTimer !== undefined) return;
  const cur = slot.current;
  if (cur && !cur.replacing && !cur.dead && cur.state !== 'closing' && cur.state !== 'closed') return;
  let used = c.conns.size;
  for (const s of c.slots) if (s.fetching) used++;
  // n+1 during a swap, but never past Slack's cap (with 10, a swap waits for the old socket to close).
  if (used < Math.min(c.poolSize + 1, MAX_SLACK_CONNECTIONS)) void attempt(c, slot);
  else if (cur) for (const h of c.hooks) h.budgetFull?.(slot, cur);
}

export function scheduleRetry(c: Core, slot: Slot, reason: string, floorMs = 0): void {
  if (stopped(c)) return;
  if (c.opts.autoReconnectEnabled === false) {
    return fatal(c, new ConnectionError(`Connection lost (${reason}); autoReconnectEnabled is false`));
  }
  cancel(c, slot.retryTimer);
  const delayMs = slot.backoff.next(floorMs);
  slot.retryTimer = later(c, delayMs, () => {
    slot.retryTimer = undefined;
    ensure(c, slot);
  });
  setRecovering(c);
  emit(c, 'reconnecting', {
    slot: slot.index,
    reason,
    delayMs,
    attempt: slot.backoff.attempts,
    makeBeforeBreak: false,
  });
  c.logger.info(`Slot ${slot.index}: reconnecting in ${delayMs} ms (${reason})`);
}

async function attempt(c: Core, slot: Slot): Promise<void> {
  // This run of the client: a URL that arrives after disconnect() (even once start() has begun another run,
  // with new slots) is dropped, never turned into a socket for a slot that no longer exists.
  const run = c.abort!.signal;
  slot.fetching = true;
  emit(c, 'connecting', { slot: slot.index, attempt: ++slot.attempts });
  let url: string;
  try {
    url = await getUrl(c);
    assertSecureUrl(url, 'wss:');
  } catch (e) {
    slot.fetching = false;
    if (run.aborted) return;
    openFailed(c, slot, e);
    return ensureAll(c);
  }
  slot.fetching = false;
  if (run.aborted) return;
  const o = {
    id: `c${++c.connSeq}`,
    slot: slot.index,
    url,
    WebSocket: c.WS!,
    ...c.settings,
    logger: c.logger,
    events: c.events,
  };
  let conn: Connection | undefined;
  for (const h of c.hooks) conn ??= h.connection?.(o);
  conn ??= new Connection(o);
  slot.next = conn;
  c.conns.add(conn);
  emit(c, 'authenticated', { slot: slot.index, connection_id: conn.id });
  conn.open();
}

export function onHello(c: Core, conn: Connection, hello: HelloFrame): void {
  const slot = slotOf(c, conn);
  if (stopped(c) || !slot) return;
  if (slot.next !== conn) {
    // Not this slot's pending connection (should not happen): keep the pool size honest.
    void conn.close();
    return;
  }
  slot.next = undefined;
  const old = slot.current;
  slot.current = conn;
  // The backoff restarts only once this connection has stayed up a while: a server that says hello and then
  // closes at once must not be reconnected to at the first delay forever.
  conn.schedule('healthy', slot.backoff.healthyMs, () => slot.backoff.reset());
  cancel(c, slot.retryTimer);
  slot.retryTimer = undefined;
  // Switch first, then retire the old one (it keeps delivering until it closes).
  if (old && old.state !== 'closed') retire(c, old);
  c.acks.flush();
  const info: HelloInfo = {
    connection_id: conn.id,
    slot: slot.index,
    num_connections: hello.num_connections,
    debug_info: hello.debug_info,
    connection_info: hello.connection_info,
  };
  c.hadLive = true;
  // Not stopped (checked above): starting, reconnecting or already connected.
  c.runState = 'connected';
  // Every socket we hold that Slack may count (one still in its handshake counts too: we over-count
  // ourselves, never Slack's ghosts).
  const held = c.conns.size;
  const num = hello.num_connections;
  const ev: ConnectedEvent = { ...info, replaced: old?.id, held, ghosts: Math.max(0, num! - held) || 0 };
  c.logger.info(`Slot ${slot.index}: ${conn.id} live${old ? `, replaces ${old.id}` : ''}; Slack counts ${num ?? '?'}`);
  // start() has its hello now, whatever a 'connected' handler does next (a disconnect() there must not reject it).
  const settle = c.startSettle;
  c.startSettle = undefined;
  for (const h of c.hooks) h.connected?.(conn, slot, hello, ev);
  emit(c, 'connected', ev);
  settle?.resolve(info);
  ensureAll(c);
}

/** Mark `conn` for replacement; the slot opens a new connection and closes this one on the new hello. */
export function replace(c: Core, conn: Connection, reason: string): void {
  if (stopped(c)) return;
  const slot = slotOf(c, conn);
  if (!slot) return;
  if (slot.next === conn) {
    // Told to go away before its hello: treat as a failed attempt.
    slot.next = undefined;
    void conn.close(1000, reason);
    return scheduleRetry(c, slot, reason);
  }
  if (slot.current !== conn || conn.replacing) return;
  conn.replacing = reason;
  emit(c, 'reconnecting', { slot: slot.index, reason, delayMs: 0, attempt: 0, makeBeforeBreak: true });
  ensure(c, slot);
}

export function onClosed(c: Core, conn: Connection, info: ConnectionCloseInfo): void {
  // Its own timers (refresh, drain, retirement) ended when it started closing.
  c.conns.delete(conn);
  // Features that count sockets (the fleet's leases) learn of every close, stopping or not.
  observe(c, '#closed', conn);
  if (stopped(c)) return;
  const slot = slotOf(c, conn);
  if (!slot) return;
  const planned = info.requested || !!conn.replacing;
  const pending = slot.next === conn;
  const { code, cause, reason, error } = info;
  const msg = `Connection ${conn.id} closed${pending ? ' before hello' : ''} (${code} ${cause}${reason && ` "${reason}"`}${error ? `: ${error}` : ''})`;
  // A close this client did not ask for (a failed handshake, no hello, a peer's 1006, 1007, 1011, 4xxx…) is named
  // on `error` before the reconnect; its cause is the close info (code, reason).
  // A platform's typed error (a ProxyError naming the proxy and its answer) is reported as it was given.
  const f = conn.failure;
  if (!planned && (pending || slot.current === conn))
    emitError(c, f instanceof SocketModeError ? f : new ConnectionError(msg, conn.id, { cause: info }));
  else c.logger.debug(msg);
  if (slot.current === conn) {
    slot.current = undefined;
    if (!planned && !slot.next && !slot.fetching) scheduleRetry(c, slot, `closed:${cause}`);
  } else if (pending) {
    slot.next = undefined;
    if (slot.retryTimer === undefined) scheduleRetry(c, slot, cause === 'hello_timeout' ? cause : 'connect_failed');
  }
  checkLiveLoss(c, `closed:${cause}`);
  ensureAll(c);
}

/** Slots whose connection is live and not presumed dead. */
export function liveCount(c: Core): number {
  let n = 0;
  for (const { current: s } of c.slots) if (s?.state === 'live' && !s.dead) n++;
  return n;
}

function setRecovering(c: Core): void {
  if (c.runState === 'connected' && liveCount(c) === 0) c.runState = 'reconnecting';
}

/** Emits `disconnected` (willReconnect) when the last live connection is gone. */
export function checkLiveLoss(c: Core, reason: string): void {
  if (!c.hadLive || stopped(c) || liveCount(c) > 0) return;
  c.hadLive = false;
  setRecovering(c);
  emit(c, 'disconnected', { reason, willReconnect: true });
}

/** Writes an ack: on the connection its envelope came on if it can, else on any other. */
export function sendAck(c: Core, text: string, preferred: Connection | undefined): boolean {
  if (preferred?.send(text)) return true;
  for (const s of c.slots) if (s.current && s.current !== preferred && s.current.send(text)) return true;
  for (const x of c.conns) if (x !== preferred && x.send(text)) return true;
  return false;
}
