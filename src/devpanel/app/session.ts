// The panel's model: envelopes the page received (with the ack that went back), the sockets the client
// opened, and the connection timeline. Fed by the WebSocket tap (wire truth) and the client's events.
import { isRecord } from './dom.ts';
import type { TapEvent } from './tap.ts';

export const ACK_DEADLINE_MS = 3000;
const MAX_ENVELOPES = 5000;
const MAX_TIMELINE = 2000;

export type AckState = 'pending' | 'acked' | 'late' | 'missed' | 'failed';

export interface AckInfo {
  state: AckState;
  /** The ack frame as written to the socket. */
  frame?: Record<string, unknown>;
  at?: number; // epoch ms
  latencyMs?: number;
  by?: 'auto' | 'manual' | 'client';
  error?: string;
}

export interface EnvelopeEntry {
  seq: number;
  envelope_id: string;
  type: string;
  /** events_api: inner event type; interactive: payload.type; slash_commands: the command. */
  eventType: string;
  summary: string;
  receivedAt: number; // epoch ms
  t: number; // performance.now() at receipt
  retryAttempt: number;
  retryReason: string;
  acceptsPayload: boolean;
  socket: number;
  raw: Record<string, unknown>;
  ack: AckInfo;
  /** The client emitted it to handlers (false: deduped, unparseable or not yet). */
  delivered: boolean;
  replayed: boolean;
}

export interface SocketInfo {
  id: number;
  host: string;
  startedAt: number;
  openAt?: number;
  helloAt?: number;
  numConnections?: number;
  debugHost?: string;
  /** The simulator's id for this connection (from hello debug_info.host), when connected to the simulator. */
  simConnectionId?: string;
  warnedAt?: number;
  refreshAt?: number;
  disconnectReason?: string;
  disconnectAt?: number;
  closedAt?: number;
  closeCode?: number;
}

export type TimelineKind =
  | 'connecting'
  | 'hello'
  | 'warning'
  | 'refresh_requested'
  | 'link_disabled'
  | 'too_many_websockets'
  | 'disconnect'
  | 'closed'
  | 'socket_error'
  | 'malformed'
  | 'reconnecting'
  | 'connected'
  | 'disconnected'
  | 'error';

export interface TimelineEvent {
  seq: number;
  at: number;
  kind: TimelineKind;
  /** Tap socket id; undefined = client-level event. */
  socket?: number;
  label: string;
  detail?: string;
}

type Topic = 'envelope' | 'ack' | 'timeline' | 'sockets' | 'reset';
type Listener = (data: any) => void;

/** `applink-sim-7` (the simulator's hello host) -> `conn-7` (its connection id). */
export function simConnectionIdFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (/^conn-\S+$/.test(host)) return host;
  const m = /^applink-sim-(\d+)$/.exec(host);
  return m ? `conn-${m[1]}` : undefined;
}

export function eventTypeOf(type: string, payload: unknown): string {
  if (!isRecord(payload)) return type;
  if (type === 'events_api') {
    const ev = payload['event'];
    return isRecord(ev) && typeof ev['type'] === 'string' ? ev['type'] : String(payload['type'] ?? 'event');
  }
  if (type === 'slash_commands') return typeof payload['command'] === 'string' ? payload['command'] : 'slash command';
  if (type === 'interactive') return typeof payload['type'] === 'string' ? payload['type'] : 'interactive';
  return type;
}

export function summaryOf(type: string, payload: unknown): string {
  if (!isRecord(payload)) return '';
  const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
  if (type === 'events_api') {
    const ev = payload['event'];
    if (!isRecord(ev)) return '';
    if (typeof ev['text'] === 'string') return cut(ev['text']);
    if (typeof ev['reaction'] === 'string') return `:${ev['reaction']}:`;
    return '';
  }
  if (type === 'slash_commands') return cut(typeof payload['text'] === 'string' ? payload['text'] : '');
  if (type === 'interactive') {
    const actions = payload['actions'];
    if (Array.isArray(actions) && isRecord(actions[0]))
      return cut(`${String(actions[0]['action_id'] ?? '')} = ${String(actions[0]['value'] ?? '')}`);
    const view = payload['view'];
    if (isRecord(view)) return cut(`view ${String(view['callback_id'] ?? view['id'] ?? '')}`);
    if (typeof payload['callback_id'] === 'string') return payload['callback_id'];
    if (typeof payload['action_id'] === 'string') return `${payload['action_id']} "${String(payload['value'] ?? '')}"`;
  }
  return '';
}

export class Session {
  readonly envelopes: EnvelopeEntry[] = [];
  readonly byId = new Map<string, EnvelopeEntry>();
  readonly sockets = new Map<number, SocketInfo>();
  readonly timeline: TimelineEvent[] = [];
  readonly startedAt = Date.now();
  /** envelope_ids the page asked the simulator to replay: tagged when they arrive. */
  readonly replayIds = new Set<string>();
  private seq = 0;
  private tlSeq = 0;
  private lastSweep = -Infinity;
  private readonly listeners = new Map<Topic, Set<Listener>>();

  on(topic: Topic, fn: Listener): () => void {
    let s = this.listeners.get(topic);
    if (!s) this.listeners.set(topic, (s = new Set()));
    s.add(fn);
    return () => s.delete(fn);
  }

  private emit(topic: Topic, data: unknown): void {
    for (const fn of this.listeners.get(topic) ?? []) {
      try {
        fn(data);
      } catch (e) {
        console.error(`devpanel: ${topic} listener failed`, e);
      }
    }
  }

  addTimeline(e: Omit<TimelineEvent, 'seq'>): void {
    const ev = { ...e, seq: ++this.tlSeq };
    this.timeline.push(ev);
    if (this.timeline.length > MAX_TIMELINE) this.timeline.splice(0, this.timeline.length - MAX_TIMELINE);
    this.emit('timeline', ev);
  }

  /** Live sockets (hello received, not closed, not told to go away), newest first. */
  liveSockets(): SocketInfo[] {
    return [...this.sockets.values()]
      .filter(
        (s) =>
          s.helloAt !== undefined &&
          s.closedAt === undefined &&
          s.refreshAt === undefined &&
          s.disconnectReason === undefined,
      )
      .sort((a, b) => b.id - a.id);
  }

  /** The simulator connection ids of this page's open sockets. */
  simConnectionIds(): Set<string> {
    const ids = new Set<string>();
    for (const s of this.sockets.values())
      if (s.simConnectionId && s.closedAt === undefined) ids.add(s.simConnectionId);
    return ids;
  }

  tap(e: TapEvent): void {
    switch (e.kind) {
      case 'opening': {
        this.sockets.set(e.socket, { id: e.socket, host: e.host, startedAt: e.at });
        this.addTimeline({ at: e.at, kind: 'connecting', socket: e.socket, label: 'connecting', detail: e.host });
        this.emit('sockets', undefined);
        return;
      }
      case 'open': {
        const s = this.sockets.get(e.socket);
        if (s) s.openAt = e.at;
        return;
      }
      case 'in':
        return this.frameIn(e.socket, e.at, e.text, e.bytes);
      case 'out':
        return this.frameOut(e.at, e.text);
      case 'close': {
        const s = this.sockets.get(e.socket);
        if (s) {
          s.closedAt = e.at;
          s.closeCode = e.code;
        }
        this.addTimeline({
          at: e.at,
          kind: 'closed',
          socket: e.socket,
          label: `closed ${e.code}`,
          detail: `code ${e.code}${e.reason ? ` ${e.reason}` : ''}${e.wasClean ? '' : ' (not clean)'}`,
        });
        this.emit('sockets', undefined);
        return;
      }
      case 'error':
        this.addTimeline({ at: e.at, kind: 'socket_error', socket: e.socket, label: 'socket error' });
        return;
    }
  }

  private frameIn(socket: number, at: number, text: string | null, bytes: number): void {
    if (text === null) {
      this.addTimeline({ at, kind: 'malformed', socket, label: 'binary frame', detail: `${bytes} bytes` });
      return;
    }
    let f: unknown;
    try {
      f = JSON.parse(text);
    } catch {
      this.addTimeline({
        at,
        kind: 'malformed',
        socket,
        label: 'malformed frame',
        detail: text.length > 120 ? `${text.slice(0, 120)}…` : text,
      });
      return;
    }
    if (!isRecord(f)) {
      this.addTimeline({ at, kind: 'malformed', socket, label: 'malformed frame', detail: text.slice(0, 120) });
      return;
    }
    const s = this.sockets.get(socket);
    if (f['type'] === 'hello') {
      const debug = isRecord(f['debug_info']) ? f['debug_info'] : {};
      const host = typeof debug['host'] === 'string' ? debug['host'] : undefined;
      const n = typeof f['num_connections'] === 'number' ? f['num_connections'] : undefined;
      if (s) {
        s.helloAt = at;
        if (n !== undefined) s.numConnections = n;
        if (host) s.debugHost = host;
        const simId = simConnectionIdFromHost(host);
        if (simId) s.simConnectionId = simId;
      }
      this.addTimeline({
        at,
        kind: 'hello',
        socket,
        label: `hello · ${n ?? '?'} conn`,
        detail: `num_connections ${n ?? '?'} · host ${host ?? '?'}`,
      });
      this.emit('sockets', undefined);
      return;
    }
    if (f['type'] === 'disconnect') {
      const reason = typeof f['reason'] === 'string' ? f['reason'] : 'unknown';
      const kind: TimelineKind =
        reason === 'warning' ||
        reason === 'refresh_requested' ||
        reason === 'link_disabled' ||
        reason === 'too_many_websockets'
          ? reason
          : 'disconnect';
      if (s) {
        if (reason === 'warning') s.warnedAt = at;
        else if (reason === 'refresh_requested') s.refreshAt = at;
        else {
          s.disconnectReason = reason;
          s.disconnectAt = at;
        }
      }
      this.addTimeline({ at, kind, socket, label: reason, detail: `disconnect: ${reason}` });
      this.emit('sockets', undefined);
      return;
    }
    if (typeof f['envelope_id'] === 'string' && typeof f['type'] === 'string') {
      this.addEnvelope(socket, at, f);
      return;
    }
    this.addTimeline({ at, kind: 'malformed', socket, label: 'unknown frame', detail: text.slice(0, 120) });
  }

  private addEnvelope(socket: number, at: number, f: Record<string, unknown>): void {
    const id = f['envelope_id'] as string;
    const type = f['type'] as string;
    const prior = this.byId.get(id);
    if (prior) {
      // Same envelope_id again (a resend): keep the first, note it.
      this.addTimeline({ at, kind: 'malformed', socket, label: 'repeated envelope_id', detail: id });
      return;
    }
    const entry: EnvelopeEntry = {
      seq: ++this.seq,
      envelope_id: id,
      type,
      eventType: eventTypeOf(type, f['payload']),
      summary: summaryOf(type, f['payload']),
      receivedAt: at,
      t: performance.now(),
      retryAttempt: typeof f['retry_attempt'] === 'number' ? f['retry_attempt'] : 0,
      retryReason: typeof f['retry_reason'] === 'string' ? f['retry_reason'] : '',
      acceptsPayload: f['accepts_response_payload'] === true,
      socket,
      raw: f,
      ack: { state: 'pending' },
      delivered: false,
      replayed: this.replayIds.delete(id),
    };
    this.envelopes.push(entry);
    this.byId.set(id, entry);
    if (this.envelopes.length > MAX_ENVELOPES) {
      for (const old of this.envelopes.splice(0, this.envelopes.length - MAX_ENVELOPES))
        this.byId.delete(old.envelope_id);
    }
    this.emit('envelope', entry);
  }

  private frameOut(at: number, text: string): void {
    let f: unknown;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(f) || typeof f['envelope_id'] !== 'string') return;
    const entry = this.byId.get(f['envelope_id']);
    if (!entry || entry.ack.frame) return;
    const latencyMs = performance.now() - entry.t;
    entry.ack = {
      ...entry.ack,
      state: latencyMs > ACK_DEADLINE_MS ? 'late' : 'acked',
      frame: f,
      at,
      latencyMs,
      by: entry.ack.by ?? 'client',
    };
    this.emit('ack', entry);
  }

  /** The client handed the envelope to handlers. */
  markDelivered(envelopeId: string): EnvelopeEntry | undefined {
    const e = this.byId.get(envelopeId);
    if (e) {
      e.delivered = true;
      this.emit('ack', e); // the page can ack it now
    }
    return e;
  }

  /**
   * Envelopes the page asked the simulator to replay. The simulator often delivers them before its HTTP answer
   * arrives, so tag those already here and remember the rest.
   */
  markReplayed(ids: string[]): void {
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e) {
        e.replayed = true;
        this.emit('ack', e); // entry changed
      } else this.replayIds.add(id);
    }
  }

  markAckBy(entry: EnvelopeEntry, by: 'auto' | 'manual'): void {
    if (!entry.ack.frame) entry.ack.by = by;
  }

  markAckFailed(entry: EnvelopeEntry, error: string): void {
    if (entry.ack.frame) return;
    entry.ack = { ...entry.ack, state: 'failed', error };
    this.emit('ack', entry);
  }

  /** Called on a timer: pending acks past the deadline become 'missed'. */
  sweepDeadlines(now = performance.now()): void {
    // Envelopes already past the deadline at the previous sweep were settled by it. Not "older than a few
    // deadlines": a sweep can come late (a background tab's throttled timers, a debugger pause, a long task).
    const since = this.lastSweep;
    this.lastSweep = now;
    for (let i = this.envelopes.length - 1; i >= 0; i--) {
      const e = this.envelopes[i]!;
      if (since - e.t > ACK_DEADLINE_MS) break;
      if (e.ack.state === 'pending' && now - e.t > ACK_DEADLINE_MS) {
        e.ack.state = 'missed';
        this.emit('ack', e);
      }
    }
  }

  pendingCount(): number {
    let n = 0;
    for (const e of this.envelopes) if (e.ack.state === 'pending') n++;
    return n;
  }

  clear(): void {
    this.envelopes.length = 0;
    this.byId.clear();
    this.emit('reset', undefined);
  }

  /** The whole session as a JSON-able document (envelopes with their acks, and the timeline). */
  export(meta: Record<string, unknown>): SessionExport {
    return {
      format: SESSION_FORMAT,
      version: 1,
      exportedAt: new Date().toISOString(),
      ...meta,
      envelopes: this.envelopes.map((e) => ({
        envelope_id: e.envelope_id,
        type: e.type,
        event_type: e.eventType,
        received_at: new Date(e.receivedAt).toISOString(),
        retry_attempt: e.retryAttempt,
        socket: e.socket,
        envelope: e.raw,
        ack: {
          state: e.ack.state,
          ...(e.ack.by ? { by: e.ack.by } : {}),
          ...(e.ack.at !== undefined ? { sent_at: new Date(e.ack.at).toISOString() } : {}),
          ...(e.ack.latencyMs !== undefined ? { latency_ms: Math.round(e.ack.latencyMs * 10) / 10 } : {}),
          ...(e.ack.frame ? { frame: e.ack.frame } : {}),
        },
      })),
      timeline: this.timeline.map(({ seq: _s, ...t }) => ({ ...t, at: new Date(t.at).toISOString() })),
    };
  }
}

export const SESSION_FORMAT = 'socket-mode-anywhere/devpanel-session';

export interface SessionExport {
  format: typeof SESSION_FORMAT;
  version: 1;
  exportedAt: string;
  envelopes: Array<{
    envelope_id: string;
    type: string;
    event_type: string;
    received_at: string;
    retry_attempt: number;
    socket: number;
    envelope: Record<string, unknown>;
    ack: { state: AckState; by?: string; sent_at?: string; latency_ms?: number; frame?: Record<string, unknown> };
  }>;
  timeline: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

/** Envelopes to replay from an exported session (or a bare array of envelopes). Throws on anything else. */
export function envelopesFromExport(doc: unknown): Record<string, unknown>[] {
  const list = Array.isArray(doc)
    ? doc
    : isRecord(doc) && Array.isArray(doc['envelopes'])
      ? doc['envelopes']
      : undefined;
  if (!list) throw new Error('not a session export: expected {"envelopes": [...]}');
  const out: Record<string, unknown>[] = [];
  for (const item of list) {
    const env = isRecord(item) && isRecord(item['envelope']) ? item['envelope'] : item;
    if (!isRecord(env) || typeof env['type'] !== 'string' || !isRecord(env['payload']))
      throw new Error('an entry has no envelope {type, payload}');
    out.push(env);
  }
  return out;
}
