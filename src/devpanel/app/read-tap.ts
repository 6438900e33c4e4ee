// What the WebSocket tap saw, read into the session (wire truth): sockets opening and closing, hello and
// disconnect frames, envelopes, and the ack frames the client wrote.
import { ackWritten } from './ack-confirm.ts';
import { isRecord } from './dom.ts';
import { eventTypeOf, summaryOf } from './envelope-labels.ts';
import type { TimelineKind } from './model.ts';
import type { Session } from './session.ts';
import type { TapEvent } from './tap.ts';

/** `applink-sim-7` (the simulator's hello host) -> `conn-7` (its connection id). */
export function simConnectionIdFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (/^conn-\S+$/.test(host)) return host;
  const m = /^applink-sim-(\d+)$/.exec(host);
  return m ? `conn-${m[1]}` : undefined;
}

export function readTap(session: Session, e: TapEvent): void {
  switch (e.kind) {
    case 'opening': {
      session.sockets.set(e.socket, { id: e.socket, host: e.host, startedAt: e.at });
      session.addTimeline({ at: e.at, kind: 'connecting', socket: e.socket, label: 'connecting', detail: e.host });
      session.socketsChanged();
      return;
    }
    case 'open': {
      const s = session.sockets.get(e.socket);
      if (s) s.openAt = e.at;
      return;
    }
    case 'in':
      return frameIn(session, e.socket, e.at, e.text, e.bytes);
    case 'out':
      return frameOut(session, e.at, e.text);
    case 'closing': {
      const s = session.sockets.get(e.socket);
      if (s && s.closedAt === undefined) s.closingAt = e.at;
      session.socketsChanged();
      return;
    }
    case 'close': {
      const s = session.sockets.get(e.socket);
      if (s) {
        s.closedAt = e.at;
        s.closeCode = e.code;
      }
      session.addTimeline({
        at: e.at,
        kind: 'closed',
        socket: e.socket,
        label: `closed ${e.code}`,
        detail: `code ${e.code}${e.reason ? ` ${e.reason}` : ''}${e.wasClean ? '' : ' (not clean)'}`,
      });
      session.socketsChanged();
      return;
    }
    case 'error':
      session.addTimeline({ at: e.at, kind: 'socket_error', socket: e.socket, label: 'socket error' });
      return;
  }
}

function frameIn(session: Session, socket: number, at: number, text: string | null, bytes: number): void {
  if (text === null) {
    session.addTimeline({ at, kind: 'malformed', socket, label: 'binary frame', detail: `${bytes} bytes` });
    return;
  }
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    session.addTimeline({
      at,
      kind: 'malformed',
      socket,
      label: 'malformed frame',
      detail: text.length > 120 ? `${text.slice(0, 120)}…` : text,
    });
    return;
  }
  if (!isRecord(f)) {
    session.addTimeline({ at, kind: 'malformed', socket, label: 'malformed frame', detail: text.slice(0, 120) });
    return;
  }
  const s = session.sockets.get(socket);
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
    session.addTimeline({
      at,
      kind: 'hello',
      socket,
      label: `hello · ${n ?? '?'} conn`,
      detail: `num_connections ${n ?? '?'} · host ${host ?? '?'}`,
    });
    session.socketsChanged();
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
    session.addTimeline({ at, kind, socket, label: reason, detail: `disconnect: ${reason}` });
    session.socketsChanged();
    return;
  }
  if (typeof f['envelope_id'] === 'string' && typeof f['type'] === 'string') {
    envelopeIn(session, socket, at, f);
    return;
  }
  session.addTimeline({ at, kind: 'malformed', socket, label: 'unknown frame', detail: text.slice(0, 120) });
}

function envelopeIn(session: Session, socket: number, at: number, f: Record<string, unknown>): void {
  const id = f['envelope_id'] as string;
  const type = f['type'] as string;
  if (session.byId.has(id)) {
    // Same envelope_id again (a resend): keep the first, note it.
    session.addTimeline({ at, kind: 'malformed', socket, label: 'repeated envelope_id', detail: id });
    return;
  }
  session.addEnvelope({
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
  });
}

function frameOut(session: Session, at: number, text: string): void {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    return;
  }
  if (!isRecord(f) || typeof f['envelope_id'] !== 'string') return;
  session.markAckSent(f['envelope_id'], f, at);
  ackWritten(session, f['envelope_id']);
}
