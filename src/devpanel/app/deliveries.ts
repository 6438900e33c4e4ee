// Every envelope the simulator delivered, to any connection (the bot's, this page's, another process's), read from
// its feed: the envelope as sent, the ack frame the simulator read (when, latency), a missed deadline, the retry
// chain (the same event_id), and what the app did about it (Web API calls and response_url posts the simulator
// tied to it, with how: linkedBy). One store for the page; export reads it too (allConnectionsExport).
import { isRecord } from './dom.ts';
import { eventTypeOf, summaryOf } from './envelope-labels.ts';
import { panelBus } from './panel-bus.ts';
import type { FeedRecord } from './sim.ts';

const MAX_ROWS = 2000;

export interface AckSeen {
  connectionId: string;
  receivedAt: number; // epoch ms
  latencyMs: number;
  late: boolean;
  duplicate: boolean;
  /** The ack frame exactly as the simulator read it. */
  frame?: Record<string, unknown>;
  payload?: unknown;
}

export interface BotAction {
  /** The Web API method, or 'response_url'. */
  kind: string;
  at: number;
  /** How the simulator tied it to this envelope: response_url, trigger_id, channel_ts or time. */
  linkedBy: string;
  ok: boolean;
  error?: string;
  /** The call's arguments and answer, or the posted body. */
  body: unknown;
}

export interface DeliveryRow {
  envelope_id: string;
  type: string;
  eventType: string;
  summary: string;
  connectionId: string;
  sentAt: number;
  retryAttempt: number;
  eventId?: string;
  envelope?: Record<string, unknown>;
  /** Every ack the simulator read for it, in order (the first one counts; more are duplicates). */
  acks: AckSeen[];
  missed: boolean;
  missedAt?: number;
  actions: BotAction[];
}

export type AckStatus = 'pending' | 'acked' | 'late' | 'missed';

export function ackStatus(r: DeliveryRow): AckStatus {
  const first = r.acks.find((a) => !a.duplicate);
  if (first) return first.late ? 'late' : 'acked';
  return r.missed ? 'missed' : 'pending';
}

export const LINKED_BY: Record<string, string> = {
  response_url: "posted to this envelope's response_url",
  trigger_id: "used this envelope's trigger_id",
  channel_ts: 'names the message or event this envelope carried (channel + ts)',
  time: 'the newest envelope delivered to a non-page connection in the 10 s before the call (same channel when the call names one): nothing in the call names its envelope',
};

type Listener = (row: DeliveryRow | undefined) => void;

export class AllDeliveries {
  readonly rows: DeliveryRow[] = [];
  readonly byId = new Map<string, DeliveryRow>();
  /** Acks, misses and actions that came before their delivery record (never, from one feed; kept for safety). */
  private readonly listeners = new Set<Listener>();

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(row: DeliveryRow | undefined): void {
    for (const fn of this.listeners) fn(row);
  }

  /** Chronological attempts of the same event (events_api redeliveries share an event_id). */
  chain(row: DeliveryRow): DeliveryRow[] {
    if (!row.eventId) return [row];
    return this.rows.filter((r) => r.eventId === row.eventId).sort((a, b) => a.retryAttempt - b.retryAttempt);
  }

  read(r: FeedRecord): void {
    const d = r.data;
    switch (r.event) {
      case 'state': {
        this.rows.length = 0;
        this.byId.clear();
        const list = (k: string): Record<string, unknown>[] =>
          Array.isArray(d[k]) ? (d[k] as unknown[]).filter(isRecord) : [];
        for (const x of list('deliveries')) this.delivery(x);
        for (const x of list('acks')) this.ack(x);
        for (const x of list('missedDeadlines')) this.missed(x, undefined);
        for (const x of list('apiCalls')) this.apiCall(x);
        for (const x of list('posted')) this.posted(x);
        return this.changed(undefined);
      }
      case 'delivery':
        return this.changed(this.delivery(d));
      case 'ack':
        return this.changed(this.ack(d));
      case 'missed':
        return this.changed(this.missed(d, r.at));
      case 'api_call':
        return this.changed(this.apiCall(d));
      case 'posted':
        return this.changed(this.posted(d));
    }
  }

  private delivery(d: Record<string, unknown>): DeliveryRow | undefined {
    const id = d['envelope_id'];
    if (typeof id !== 'string' || this.byId.has(id)) return undefined;
    const env = isRecord(d['envelope']) ? d['envelope'] : undefined;
    const type = String(d['type']);
    const row: DeliveryRow = {
      envelope_id: id,
      type,
      eventType: eventTypeOf(type, env?.['payload']),
      summary: summaryOf(type, env?.['payload']),
      connectionId: String(d['connectionId']),
      sentAt: Number(d['sentAt']) || Date.now(),
      retryAttempt: Number(d['retry_attempt']) || 0,
      ...(typeof d['event_id'] === 'string' ? { eventId: d['event_id'] } : {}),
      ...(env ? { envelope: env } : {}),
      acks: [],
      missed: false,
      actions: [],
    };
    this.rows.push(row);
    this.byId.set(id, row);
    if (this.rows.length > MAX_ROWS)
      for (const old of this.rows.splice(0, this.rows.length - MAX_ROWS)) this.byId.delete(old.envelope_id);
    return row;
  }

  private ack(d: Record<string, unknown>): DeliveryRow | undefined {
    const row = this.byId.get(String(d['envelope_id']));
    if (!row) return undefined;
    row.acks.push({
      connectionId: String(d['connectionId']),
      receivedAt: Number(d['receivedAt']) || Date.now(),
      latencyMs: Number(d['latencyMs']),
      late: d['late'] === true,
      duplicate: d['duplicate'] === true,
      ...(isRecord(d['frame']) ? { frame: d['frame'] } : {}),
      ...('payload' in d ? { payload: d['payload'] } : {}),
    });
    return row;
  }

  private missed(d: Record<string, unknown>, at: number | undefined): DeliveryRow | undefined {
    const row = this.byId.get(String(d['envelope_id']));
    if (!row) return undefined;
    row.missed = true;
    if (at !== undefined) row.missedAt = at;
    return row;
  }

  private apiCall(d: Record<string, unknown>): DeliveryRow | undefined {
    const row = typeof d['envelope_id'] === 'string' ? this.byId.get(d['envelope_id']) : undefined;
    if (!row) return undefined;
    row.actions.push({
      kind: String(d['method']),
      at: Number(d['at']) || Date.now(),
      linkedBy: String(d['linkedBy']),
      ok: d['ok'] === true,
      ...(typeof d['error'] === 'string' ? { error: d['error'] } : {}),
      body: { args: d['args'], response: d['response'] },
    });
    return row;
  }

  private posted(d: Record<string, unknown>): DeliveryRow | undefined {
    // chat.postMessage is in the Web API calls already; response_url posts are only here.
    if (d['kind'] !== 'response_url') return undefined;
    const row = typeof d['envelope_id'] === 'string' ? this.byId.get(d['envelope_id']) : undefined;
    if (!row) return undefined;
    row.actions.push({
      kind: 'response_url',
      at: Number(d['at']) || Date.now(),
      linkedBy: String(d['linkedBy']),
      ok: true,
      body: d['body'],
    });
    return row;
  }
}

/** The page's one store (fed by the simulator feed; empty against real Slack). */
export const allDeliveries = new AllDeliveries();

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * For the session export: every envelope delivered to any connection, with the ack frame the simulator read,
 * latency, missed deadline, retry attempt and event_id (the chain), and what the app did in response.
 */
export function allConnectionsExport(
  labels: ReadonlyMap<string, { label?: string }> = panelBus.conns?.byId ?? new Map(),
): {
  deliveries: Array<Record<string, unknown>>;
} {
  return {
    deliveries: allDeliveries.rows.map((r) => ({
      envelope_id: r.envelope_id,
      type: r.type,
      event_type: r.eventType,
      connection_id: r.connectionId,
      ...(labels.get(r.connectionId)?.label ? { connection_label: labels.get(r.connectionId)!.label } : {}),
      sent_at: iso(r.sentAt),
      retry_attempt: r.retryAttempt,
      ...(r.eventId ? { event_id: r.eventId } : {}),
      ack_status: ackStatus(r),
      acks: r.acks.map((a) => ({
        connection_id: a.connectionId,
        received_at: iso(a.receivedAt),
        latency_ms: Math.round(a.latencyMs * 10) / 10,
        ...(a.late ? { late: true } : {}),
        ...(a.duplicate ? { duplicate: true } : {}),
        ...(a.frame ? { frame: a.frame } : {}),
      })),
      ...(r.missed ? { missed_at: iso(r.missedAt) ?? null } : {}),
      actions: r.actions.map((a) => ({
        kind: a.kind,
        at: iso(a.at),
        linked_by: a.linkedBy,
        ok: a.ok,
        ...(a.error ? { error: a.error } : {}),
        body: a.body,
      })),
      ...(r.envelope ? { envelope: r.envelope } : {}),
    })),
  };
}
