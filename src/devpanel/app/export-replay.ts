// Export and replay of a session: the whole session as a JSON document, and the envelopes to replay from one.
import { isRecord } from './dom.ts';
import type { AckState } from './model.ts';
import type { Session } from './session.ts';

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

/** The whole session as a JSON-able document (envelopes with their acks, and the timeline). */
export function exportSession(session: Session, meta: Record<string, unknown>): SessionExport {
  return {
    format: SESSION_FORMAT,
    version: 1,
    exportedAt: new Date().toISOString(),
    ...meta,
    envelopes: session.envelopes.map((e) => ({
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
    timeline: session.timeline.map(({ seq: _s, ...t }) => ({ ...t, at: new Date(t.at).toISOString() })),
  };
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
