// What `dev --forward-to` delivered to the HTTP app, for the panel page: the forwarder's records (one per envelope)
// in a ring of the newest ones, read by the page through `GET /forwarded?since=<seq>`. Records carry what the app
// answered and what was acked; the signing secret and the app token never reach them.
import type { Delivery } from '../forward/forwarder.ts';

export interface ForwardedRecord {
  /** 1, 2, 3… in arrival order: the page asks for the records after the last one it has. */
  seq: number;
  /** Epoch ms when the outcome was known. */
  at: number;
  envelope_id: string;
  /** The envelope type: events_api, slash_commands, interactive. */
  type: string;
  /** The event type, the command, or the interaction type and its action/callback id. */
  what: string;
  /** The URL the request went to (without any user:password), or 'handler'. */
  target: string | null;
  retryNum: number | null;
  /** The app's HTTP status, when it answered. */
  status: number | null;
  ms: number;
  acked: boolean;
  ackBytes: number;
  /** The ack payload, when there was one. */
  ack?: unknown;
  failure?: string;
  reason?: string;
  /** What to check, for the failures a developer fixes on their side (app down, wrong signing secret). */
  hint?: string;
}

export interface ForwardedLog {
  /** Give it as the forwarder's (or the forward CLI's) onDelivery. */
  add(delivery: Delivery): void;
  /** The records after `seq` (all kept ones for 0), oldest first, and how many were ever added. */
  since(seq: number): { total: number; records: ForwardedRecord[] };
}

/** A target URL as shown: never with credentials in it. */
function shownTarget(target: string | undefined): string | null {
  if (target === undefined) return null;
  try {
    const url = new URL(target);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return target;
  }
}

function hintFor(d: Delivery): string | undefined {
  if (d.failure === 'refused') return 'the app refuses connections: is it running, on this port?';
  if (d.failure === 'timeout') return "the app did not answer before Slack's ack deadline";
  if (d.status === 401 || d.status === 403)
    return `the app answered ${d.status}: is SLACK_SIGNING_SECRET the app's signing secret?`;
  return undefined;
}

export function createForwardedLog(limit = 200): ForwardedLog {
  const ring: ForwardedRecord[] = [];
  let total = 0;
  return {
    add(d) {
      const hint = hintFor(d);
      ring.push({
        seq: ++total,
        at: Date.now(),
        envelope_id: d.envelope_id,
        type: d.type,
        what: d.what,
        target: shownTarget(d.target),
        retryNum: d.retryNum ?? null,
        status: d.status ?? null,
        ms: d.ms,
        acked: d.acked,
        ackBytes: d.ackBytes,
        ...(d.ack !== undefined ? { ack: d.ack } : {}),
        ...(d.failure !== undefined ? { failure: d.failure } : {}),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        ...(hint ? { hint } : {}),
      });
      if (ring.length > limit) ring.shift();
    },
    since(seq) {
      return { total, records: ring.filter((r) => r.seq > seq) };
    },
  };
}

/** `GET /forwarded?since=N` for the panel server: status and JSON body. */
export function forwardedAnswer(
  log: ForwardedLog | undefined,
  method: string | undefined,
  search: URLSearchParams,
): { status: number; body: string } {
  if (method !== 'GET') return { status: 405, body: '{"error":"method_not_allowed"}' };
  if (!log) return { status: 404, body: '{"error":"not_forwarding"}' };
  const raw = search.get('since') ?? '0';
  const since = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(since)) return { status: 400, body: '{"error":"bad_since"}' };
  return { status: 200, body: JSON.stringify(log.since(since)) };
}
