// Faults on demand against the open sockets: refresh sequence, link_disabled, drop, half-open, raw frames.
import { disconnectFrame } from './envelopes.ts';
import type { Conn } from './conn.ts';
import type { Link } from './link.ts';
import type { Records } from './records.ts';
import type { ResolvedOptions } from './types.ts';

export class Faults {
  constructor(
    private readonly opts: ResolvedOptions,
    private readonly link: Link,
    private readonly records: Records,
  ) {}

  private fault(name: string, conns: Conn[], extra?: Record<string, unknown>): void {
    this.opts.log(`fault: ${name} on ${conns.map((c) => c.id).join(', ') || '(none)'}`);
    this.records.emit('fault', { fault: name, connectionIds: conns.map((c) => c.id), at: Date.now(), ...extra });
  }

  /** `warning` -> (refreshWarningLeadMs) -> `refresh_requested` -> (refreshCloseDelayMs) -> close. */
  refresh(opts: { connectionId?: string; warning?: boolean; auto?: boolean } = {}): void {
    // Slack sends each connection at most one warning and one refresh_requested, warning first: a connection
    // already told to go (refresh_requested) is left alone, and a warned one gets no second warning.
    const conns = this.link.targets(opts.connectionId).filter((c) => c.state === 'live');
    const warning = opts.warning ?? true;
    this.fault('refresh', conns, opts.auto ? { warning, auto: true } : { warning });
    for (const conn of conns) {
      if (!warning) {
        this.requestRefresh(conn);
        continue;
      }
      if (conn.warned) continue; // its refresh_requested is already on the way
      this.link.send(conn, disconnectFrame('warning', { hostSeq: conn.seq }));
      conn.warned = true; // still live: Slack keeps routing to it until refresh_requested
      this.link.emitConn(conn, 'warning');
      this.link.connTimer(conn, this.opts.refreshWarningLeadMs, () => this.requestRefresh(conn));
    }
  }

  private requestRefresh(conn: Conn): void {
    if (conn.state !== 'live') return; // already refreshing, or going away for another reason
    this.link.send(conn, disconnectFrame('refresh_requested', { hostSeq: conn.seq }));
    this.link.setState(conn, 'refreshing', 'refresh_requested');
    this.link.connTimer(conn, this.opts.refreshCloseDelayMs, () => this.link.close(conn, 1000));
  }

  /** link_disabled + close on every connection; new sockets get link_disabled until enableLink(). */
  disableLink(): void {
    this.link.linkDisabled = true;
    const conns = [...this.link.conns.values()].filter(
      (c) => c.state !== 'closed' && c.state !== 'half-open' && c.state !== 'closing',
    );
    this.fault('link_disabled', conns);
    for (const conn of conns) this.link.sendDisconnect(conn, 'link_disabled');
  }

  enableLink(): void {
    this.link.linkDisabled = false;
    this.fault('link_enabled', []);
  }

  /** Abrupt TCP close: no close frame. */
  drop(opts: { connectionId?: string } = {}): void {
    const conns = this.link.targets(opts.connectionId);
    this.fault('drop', conns);
    for (const conn of conns) conn.socket.destroy();
  }

  /**
   * A close frame with `code` (default 1011) and `reason`, with no disconnect frame first: a peer (or a proxy in
   * between) closing unannounced, e.g. 1008 policy violation or a 4xxx of its own.
   */
  closeConnection(opts: { connectionId?: string; code?: number; reason?: string } = {}): void {
    const conns = this.link.targets(opts.connectionId);
    const code = opts.code ?? 1011;
    this.fault('close', conns, { code });
    for (const conn of conns) {
      this.link.setState(conn, 'closing', 'close');
      this.link.close(conn, code, opts.reason);
    }
  }

  /**
   * The socket stays open but the sim goes silent on it: no pongs, no pings, no deliveries, and it stops
   * reading (so acks and even a close frame go unanswered). The sim never closes it itself.
   */
  halfOpen(opts: { connectionId?: string } = {}): void {
    const conns = this.link.targets(opts.connectionId).filter((c) => c.state !== 'half-open');
    this.fault('half_open', conns);
    for (const conn of conns) {
      this.link.clearConnTimers(conn);
      conn.awaitingPong = false;
      conn.ws.pause();
      this.link.setState(conn, 'half-open', 'half-open');
      if (this.opts.halfOpenReapMs > 0) {
        // Slack's side eventually gives up on a silent peer; until then the socket is a ghost.
        this.link.connTimer(conn, this.opts.halfOpenReapMs, () => {
          this.opts.log(`link: ${conn.id} half-open for ${this.opts.halfOpenReapMs} ms; destroying`);
          conn.socket.destroy();
          conn.ws.terminate();
        });
      }
    }
  }

  /**
   * The path to one connection (default: a random live one) dies without a close frame; Slack keeps routing
   * to it for routeForMs (default: its own pong timeout), or until the client's close reaches it (closeReaches).
   */
  silentDeath(opts: { connectionId?: string; routeForMs?: number; closeReaches?: boolean } = {}): void {
    const picked = opts.connectionId === undefined ? this.link.randomLive() : this.link.targets(opts.connectionId)[0];
    const conns = picked && picked.silentSince === undefined ? [picked] : [];
    const routeForMs = opts.routeForMs ?? this.opts.pongTimeoutMs;
    const closeReaches = opts.closeReaches ?? true;
    this.fault('silent_death', conns, { routeForMs, closeReaches });
    for (const conn of conns) this.link.silence(conn, routeForMs, closeReaches);
  }

  sendRaw(frame: string | Uint8Array, opts: { connectionId?: string; binary?: boolean } = {}): void {
    const conns = this.link.targets(opts.connectionId);
    const binary = opts.binary ?? typeof frame !== 'string';
    this.fault('malformed', conns, { binary });
    for (const conn of conns) this.link.send(conn, frame, binary);
  }
}
