// The WebSocket side of the link: ticket check on upgrade, hello / cap / link_disabled on open, server pings
// (pings.ts), and the state of each connection (conn.ts) from open to closed, silent death included.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { Conn } from './conn.ts';
import { disconnectFrame, helloFrame } from './envelopes.ts';
import { startPings } from './pings.ts';
import type { Records } from './records.ts';
import { Tickets } from './tickets.ts';
import type { TimerBag } from './timers.ts';
import type { ConnectionState, ResolvedOptions } from './types.ts';
import { rejectUpgrade } from './upgrade.ts';

// After a close frame, wait this long for the peer's close before destroying the socket (PROTOCOL.md 4).
const CLOSE_GRACE_MS = 1000;
// Keep a bounded history of closed connections for connections() / the dev panel.
const MAX_CLOSED_KEPT = 200;

export interface LinkHooks {
  /** a connection just became live (hello sent): flush queued deliveries */
  onLive(conn: Conn): void;
  onFrame(conn: Conn, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void;
}

export class Link {
  readonly conns = new Map<string, Conn>();
  linkDisabled = false;
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false, clientTracking: false });
  private readonly tickets = new Tickets();
  private seq = 0;
  hooks: LinkHooks = { onLive: () => {}, onFrame: () => {} };

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly timers: TimerBag,
    private readonly records: Records,
  ) {}

  /** Further app-level tokens of this app (sim.appTokenFor): token -> the label its connections carry. */
  readonly tokenLabels = new Map<string, string>();

  /** A fresh single-use ticket for apps.connections.open; `label` names who asked (appTokenFor). */
  issueTicket(label?: string): string {
    return this.tickets.issue(label);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return rejectUpgrade(socket, 400, 'Bad Request');
    const taken = this.tickets.take(ticket);
    if (!taken) {
      this.opts.log('link: upgrade rejected (unknown or reused ticket)');
      return rejectUpgrade(socket, 401, 'Unauthorized');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, taken.label));
  }

  private accept(ws: WebSocket, socket: Duplex, label: string | undefined): void {
    const seq = ++this.seq;
    const conn = new Conn(`conn-${seq}`, seq, ws, socket, Date.now());
    if (label !== undefined) conn.label = label;
    this.conns.set(conn.id, conn);
    this.pruneClosed();
    ws.on('message', (data, isBinary) => {
      // belt and braces: a half-open socket is also paused, and a silent one reads nothing
      if (conn.state === 'half-open' || conn.silentSince !== undefined) return;
      this.hooks.onFrame(conn, data, isBinary);
    });
    ws.on('ping', (data) => {
      if (conn.state !== 'half-open' && conn.silentSince === undefined && ws.readyState === WebSocket.OPEN)
        ws.pong(data);
    });
    ws.on('pong', () => {
      if (conn.silentSince !== undefined) return;
      conn.awaitingPong = false;
      // clear this ping's deadline, or a stale one would fire while the next ping is in flight
      this.clearTimer(conn, conn.pongTimer);
      conn.pongTimer = undefined;
    });
    ws.on('error', (err) => this.opts.log(`link: ${conn.id} socket error: ${err.message}`));
    ws.on('close', (code) => {
      conn.closeCode = code;
      // A fully dead path (closeReaches false): Slack never learns the client left; it routes here until routeForMs.
      if (conn.silentSince !== undefined && !conn.closeReaches) return;
      this.markClosed(conn);
    });
    this.opts.log(`link: ${conn.id} opened`);
    this.emitConn(conn, 'opened');

    if (this.linkDisabled) {
      this.sendDisconnect(conn, 'link_disabled');
      return;
    }
    const open = this.openCount(); // includes this one
    if (open > this.opts.maxConnections) {
      this.sendDisconnect(conn, 'too_many_websockets', open - 1);
      return;
    }
    ws.send(helloFrame(open, this.opts.appId, this.opts.approximateConnectionTimeSec, seq));
    conn.helloAt = Date.now();
    this.setState(conn, 'live', 'hello', true);
    startPings(conn, { opts: this.opts, timers: this.timers, connTimer: (c, ms, fn) => this.connTimer(c, ms, fn) });
    this.hooks.onLive(conn);
  }

  /** Open sockets of this app: everything not closed and not being turned away. */
  openCount(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.state !== 'closed' && c.state !== 'closing') n++;
    return n;
  }

  live(): Conn[] {
    // A socket the client has begun closing is not live: Slack stops routing to it once it sees the close.
    return [...this.conns.values()].filter((c) => c.state === 'live' && c.isOpen);
  }

  randomLive(): Conn | undefined {
    const live = this.live();
    return live[Math.min(live.length - 1, Math.floor(this.opts.random() * live.length))];
  }

  /** A random live connection opened with the app token labeled `label` (sim.appTokenFor). */
  randomLiveLabeled(label: string): Conn | undefined {
    const live = this.live().filter((c) => c.label === label);
    return live[Math.min(live.length - 1, Math.floor(this.opts.random() * live.length))];
  }

  /** The connection named, or every live one. */
  targets(connectionId?: string): Conn[] {
    if (connectionId === undefined) return this.live();
    const c = this.conns.get(connectionId);
    return c && c.isOpen ? [c] : [];
  }

  setState(conn: Conn, state: ConnectionState, change = 'state', isHello = false): void {
    conn.state = state;
    this.records.setLiveCount(this.live().length, isHello);
    this.emitConn(conn, change);
  }

  emitConn(conn: Conn, change: string): void {
    this.records.emit('connection', { ...conn.info(), change });
  }

  connTimer(conn: Conn, ms: number, fn: () => void): NodeJS.Timeout | undefined {
    const t = this.timers.after(ms, () => {
      conn.timers.delete(t!);
      fn();
    });
    if (t) conn.timers.add(t);
    return t;
  }

  private clearTimer(conn: Conn, t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    this.timers.clear(t);
    conn.timers.delete(t);
  }

  send(conn: Conn, frame: string | Uint8Array, binary = false): boolean {
    // A silently dead path: Slack believes the frame went out (it is recorded as sent) and it is lost.
    if (conn.silentSince !== undefined) return conn.state !== 'closed';
    if (conn.ws.readyState !== WebSocket.OPEN) return false;
    conn.ws.send(frame, { binary });
    return true;
  }

  /** Send a disconnect frame (link_disabled / too_many_websockets) and close the socket. */
  sendDisconnect(conn: Conn, reason: 'link_disabled' | 'too_many_websockets', numConnections?: number): void {
    const extra =
      reason === 'too_many_websockets'
        ? { numConnections: numConnections ?? this.openCount(), appId: this.opts.appId, hostSeq: conn.seq }
        : { hostSeq: conn.seq };
    this.send(conn, disconnectFrame(reason, extra));
    this.setState(conn, 'closing', reason);
    this.close(conn, 1000);
  }

  /** Close handshake, then destroy if the peer does not answer within CLOSE_GRACE_MS. */
  close(conn: Conn, code: number, reason?: string): void {
    if (conn.state === 'closed') return;
    try {
      conn.ws.close(code, reason);
    } catch {
      conn.ws.terminate();
    }
    this.connTimer(conn, CLOSE_GRACE_MS, () => {
      if (conn.state !== 'closed') conn.ws.terminate();
    });
  }

  /**
   * Silent death: the network path dies without a close frame. Nothing written reaches the client (ws' own
   * frames included), nothing the client sends is read (acks, pongs, close frames), no pings go out. Slack keeps
   * routing here for routeForMs, or until the client's FIN/RST arrives when closeReaches; then it forgets the
   * connection (its own close does not reach the client either: the socket is left as it is until the client or
   * close() ends it).
   */
  silence(conn: Conn, routeForMs: number, closeReaches: boolean): void {
    this.clearConnTimers(conn); // no pings, no pong deadline, no refresh
    conn.awaitingPong = false;
    conn.pongTimer = undefined;
    conn.silentSince = Date.now();
    conn.closeReaches = closeReaches;
    const socket = conn.socket;
    socket.write = ((...args: unknown[]) => {
      const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
      if (cb) process.nextTick(cb);
      return true;
    }) as typeof socket.write;
    // Read and discard: ws sees no frame, but the stream keeps flowing so the client's FIN/RST is still noticed.
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    socket.resume();
    this.emitConn(conn, 'silent_death');
    this.connTimer(conn, routeForMs, () => {
      this.opts.log(`link: ${conn.id} silent for ${routeForMs} ms; Slack stops routing to it`);
      this.markClosed(conn);
    });
  }

  clearConnTimers(conn: Conn): void {
    for (const t of conn.timers) this.timers.clear(t);
    conn.timers.clear();
  }

  private markClosed(conn: Conn): void {
    if (conn.state === 'closed') return;
    this.clearConnTimers(conn);
    conn.closedAt = Date.now();
    this.opts.log(`link: ${conn.id} closed`);
    this.setState(conn, 'closed', 'closed');
  }

  private pruneClosed(): void {
    // A silent connection Slack has forgotten may still hold its socket: kept until destroyAll() ends it.
    const closed = [...this.conns.values()].filter(
      (c) => c.state === 'closed' && (c.silentSince === undefined || c.socket.destroyed),
    );
    for (const c of closed.slice(0, Math.max(0, closed.length - MAX_CLOSED_KEPT))) this.conns.delete(c.id);
  }

  /** Destroy every socket at once (simulator shutdown). */
  destroyAll(): void {
    for (const c of this.conns.values()) {
      this.clearConnTimers(c);
      c.socket.destroy();
      c.ws.terminate();
    }
    this.tickets.clear();
    this.wss.close();
  }
}
