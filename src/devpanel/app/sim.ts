// The simulator's HTTP control API (/_sim/*) and its live feed (/_sim/feed), as the page uses them.
import { isRecord } from './dom.ts';

// The kinds the simulator injects: its own type (type-only: nothing of the simulator reaches the page).
import type { InjectKind } from '../../simulator/types.ts';

export type { InjectKind };

export type FaultName =
  'refresh' | 'drop' | 'half_open' | 'silent_death' | 'close' | 'link_disabled' | 'link_enabled' | 'malformed';

export interface FeedRecord {
  event: string;
  at: number;
  data: Record<string, unknown>;
}

/** POST a JSON body to the simulator's `/_sim/<path>`; its `{ ok: false, error }` (or an HTTP error) throws. */
export async function simPost(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/_sim/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => ({}));
  if (!res.ok || (isRecord(json) && json['ok'] === false)) {
    const err = isRecord(json) && typeof json['error'] === 'string' ? json['error'] : `HTTP ${res.status}`;
    throw new Error(`/_sim/${path}: ${err}`);
  }
  return isRecord(json) ? json : {};
}

export class SimApi {
  constructor(readonly url: string) {}

  private post(path: string, body: unknown): Promise<Record<string, unknown>> {
    return simPost(this.url, path, body);
  }

  /** Returns the envelope as the simulator built it. */
  inject(kind: InjectKind, fields: Record<string, unknown>, connectionId?: string): Promise<Record<string, unknown>> {
    return this.post('inject', { ...fields, kind, ...(connectionId ? { connectionId } : {}) });
  }

  fault(
    fault: FaultName,
    opts: { connectionId?: string; warning?: boolean; frame?: string } = {},
  ): Promise<Record<string, unknown>> {
    return this.post('fault', { fault, ...opts });
  }

  async replay(envelopes: Record<string, unknown>[], connectionId?: string): Promise<Record<string, unknown>[]> {
    const r = await this.post('replay', { envelopes, ...(connectionId ? { connectionId } : {}) });
    return Array.isArray(r['envelopes']) ? (r['envelopes'] as Record<string, unknown>[]) : [];
  }

  async state(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.url}/_sim/state`);
    return (await res.json()) as Record<string, unknown>;
  }
}

/** Subscribes to /_sim/feed and keeps reconnecting (with a capped backoff) while the page is open. */
export class SimFeed {
  private ws: WebSocket | undefined;
  private stopped = false;
  private delay = 500;
  connected = false;

  constructor(
    private readonly feedUrl: string,
    private readonly onRecord: (r: FeedRecord) => void,
    private readonly onStatus: (connected: boolean) => void,
  ) {}

  start(): void {
    if (this.stopped) return;
    const ws = (this.ws = new WebSocket(this.feedUrl));
    ws.addEventListener('open', () => {
      this.delay = 500;
      this.connected = true;
      this.onStatus(true);
    });
    ws.addEventListener('message', (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      try {
        const r: unknown = JSON.parse(ev.data);
        if (isRecord(r) && typeof r['event'] === 'string') {
          this.onRecord({
            event: r['event'],
            at: typeof r['at'] === 'number' ? r['at'] : Date.now(),
            data: isRecord(r['data']) ? r['data'] : {},
          });
        }
      } catch {
        /* the feed only sends JSON */
      }
    });
    ws.addEventListener('close', () => {
      if (this.connected) this.onStatus(false);
      this.connected = false;
      if (this.stopped) return;
      setTimeout(() => this.start(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    });
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }
}
