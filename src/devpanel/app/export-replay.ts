// Export and replay of a session: the Export button downloads the whole session as a JSON document; Replay
// sends the envelopes of such a file to the simulator again.
import type { PanelConfig } from './config.ts';
import { allConnectionsExport } from './deliveries.ts';
import { $, h, isRecord, toast } from './dom.ts';
import type { EnvelopeApi } from './envelope-api.ts';
import type { AckState } from './model.ts';
import type { Session } from './session.ts';
import type { DeliverTo } from './sim-connections.ts';
import type { SimControls } from './simulator-panel.ts';

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

/** The Export and Replay buttons (replay needs the simulator). */
export function mountExportReplay(
  session: Session,
  cfg: PanelConfig,
  sim: SimControls | undefined,
  envApi?: EnvelopeApi,
): void {
  $('export').addEventListener('click', () => {
    const doc = exportSession(session, {
      target: cfg.mode,
      simulator: cfg.simulator?.url ?? null,
      // Every connection's side (the bot's too): deliveries, the acks the simulator read, what the app did.
      all_connections: allConnectionsExport(),
    });
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
    const a = h('a', {
      href: URL.createObjectURL(blob),
      download: `socket-mode-session-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    toast(`Exported ${doc.envelopes.length} envelopes`);
  });

  const fileInput = $('import-file') as HTMLInputElement;
  const replayBtn = $('replay') as HTMLButtonElement;
  replayBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file || !sim) return;
    try {
      const envelopes = envelopesFromExport(JSON.parse(await file.text()));
      const to = ($('deliver-to') as HTMLSelectElement).value as DeliverTo;
      const connectionId = sim.targetFor(to);
      // As for inject: "this page" (or "the bot") with none live must not quietly go to any connection.
      if (to !== 'any' && !connectionId) throw new Error(sim.noTarget(to));
      const sent = await sim.api.replay(envelopes, connectionId);
      for (const e of sent) envApi?.noteSent(e, 'replay', connectionId);
      session.markReplayed(sent.flatMap((e) => (typeof e['envelope_id'] === 'string' ? [e['envelope_id']] : [])));
      toast(`Replayed ${sent.length} envelopes${connectionId ? ` to ${connectionId}` : ''}`);
    } catch (x) {
      toast(`Replay failed: ${(x as Error).message}`, 'error');
    }
  });
}
