// Ties what the app did (a Web API call, a response_url post) to the envelope it answers. Nothing in a call names
// its envelope, so the link is read from what the envelope handed the app, most specific first: its response_url,
// its trigger_id, the message or event it carried (channel + ts), else the time and the connection (the newest
// envelope delivered in the last 10 s to a connection that is not the dev panel's page, in the call's channel
// when it names one): a bot acts on what it just got, on its own connection.
import type { Conn } from './conn.ts';
import type { Envelope, EnvelopeLink } from './types.ts';

const TIME_WINDOW_MS = 10_000;
// Per key kind (response_url, trigger_id, message): an app answers within seconds or minutes of an envelope, and a
// smaller bound fills sooner, so a long run's memory is flat early (the soak test measures the simulator too).
const MAX_KEYS = 2_000;
const MAX_RECENT = 200;

export interface Linked {
  envelope_id: string;
  linkedBy: EnvelopeLink;
}

interface Recent {
  envelope_id: string;
  at: number;
  channel: string | undefined;
  label: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Bounded Map insert: the oldest keys go first. */
function put(map: Map<string, string>, key: string, value: string): void {
  if (!map.has(key)) map.set(key, value);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value!);
}

export class EnvelopeLinks {
  private readonly responses = new Map<string, string>(); // response id -> envelope_id
  private readonly triggers = new Map<string, string>(); // trigger_id -> envelope_id
  private readonly messages = new Map<string, string>(); // `${channel} ${ts}` -> envelope_id
  private readonly recent: Recent[] = [];

  /** An envelope went out to `conn` (first delivery or a retry: the first keeps its keys). */
  sent(env: Envelope, conn: Conn, at = Date.now()): void {
    const id = env.envelope_id;
    if (typeof id !== 'string') return;
    const p = rec(env.payload) ?? {};
    const ev = rec(p['event']);
    for (const url of [p['response_url'], ...(Array.isArray(p['response_urls']) ? p['response_urls'] : [])]) {
      const u = str(url) ?? str(rec(url)?.['response_url']);
      const rid = u ? /\/response\/([A-Za-z0-9_-]+)$/.exec(u)?.[1] : undefined;
      if (rid) put(this.responses, rid, id);
    }
    const trigger = str(p['trigger_id']);
    if (trigger) put(this.triggers, trigger, id);
    const channel =
      str(ev?.['channel']) ??
      str(rec(ev?.['item'])?.['channel']) ??
      str(rec(p['channel'])?.['id']) ??
      str(p['channel_id']) ??
      str(rec(p['container'])?.['channel_id']);
    if (channel) {
      const item = rec(ev?.['item']);
      const message = rec(p['message']);
      for (const ts of [ev?.['ts'], ev?.['event_ts'], ev?.['thread_ts'], item?.['ts'], message?.['ts']]) {
        const t = str(ts);
        if (t) put(this.messages, `${channel} ${t}`, id);
      }
      const msgTs = str(rec(p['container'])?.['message_ts']);
      if (msgTs) put(this.messages, `${channel} ${msgTs}`, id);
    }
    this.recent.push({ envelope_id: id, at, channel, label: conn.label });
    if (this.recent.length > MAX_RECENT) this.recent.splice(0, this.recent.length - MAX_RECENT);
  }

  /** A response_url post to /response/<id>. */
  forResponse(responseId: string): Linked | undefined {
    const id = this.responses.get(responseId);
    return id ? { envelope_id: id, linkedBy: 'response_url' } : undefined;
  }

  /** A Web API call with these arguments, made at `at`. */
  forCall(args: Record<string, unknown>, at: number): Linked | undefined {
    const trigger = str(args['trigger_id']);
    const byTrigger = trigger ? this.triggers.get(trigger) : undefined;
    if (byTrigger) return { envelope_id: byTrigger, linkedBy: 'trigger_id' };
    const channel = str(args['channel']) ?? str(args['channel_id']);
    if (channel) {
      for (const k of ['thread_ts', 'ts', 'timestamp', 'message_ts']) {
        const t = str(args[k]);
        const id = t ? this.messages.get(`${channel} ${t}`) : undefined;
        if (id) return { envelope_id: id, linkedBy: 'channel_ts' };
      }
    }
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const r = this.recent[i]!;
      if (at - r.at > TIME_WINDOW_MS) break;
      if (r.label === 'page') continue; // the dev panel's page does not call the Web API
      if (channel && r.channel !== channel) continue;
      return { envelope_id: r.envelope_id, linkedBy: 'time' };
    }
    return undefined;
  }
}
