// The session survives a reload: the newest envelopes (with their acks) and timeline events are kept in this
// tab's sessionStorage, bounded (MAX_KEPT envelopes, MAX_TIMELINE events, MAX_CHARS of JSON: the oldest go first),
// and put back into the session when the page loads, with the sockets they came on (closed, numbered from #1001).
// An envelope that was still waiting for its ack cannot be acked any more (its socket is gone): the deadline sweep
// marks it missed.
import { isRecord } from './dom.ts';
import type { EnvelopeEntry, SocketInfo, TimelineEvent } from './model.ts';
import type { Session } from './session.ts';

const KEY = 'devpanel.session';
export const MAX_KEPT = 300;
const MAX_TIMELINE = 200;
/** ~2 MB of UTF-16 in a 5 MB quota: room for the recording and the rest of the origin. */
export const MAX_CHARS = 1_000_000;

type Stored = Omit<EnvelopeEntry, 'seq' | 't'>;

/** Put back what the previous load kept; returns how many envelopes. Then keep saving as the session changes. */
export function persistSession(session: Session): number {
  const restored = restore(session);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined;
      save(session);
    }, 400);
  };
  for (const topic of ['envelope', 'ack', 'timeline', 'reset'] as const) session.on(topic, schedule);
  addEventListener('pagehide', () => save(session));
  return restored;
}

function save(session: Session): void {
  let n = Math.min(MAX_KEPT, session.envelopes.length);
  const timeline = session.timeline.slice(-MAX_TIMELINE).map(({ seq: _s, ...t }) => t);
  for (;;) {
    const envelopes: Stored[] = session.envelopes
      .slice(session.envelopes.length - n)
      .map(({ seq: _s, t: _t, ...e }) => e);
    // Only the sockets those envelopes and events came on (the newest 50).
    const used = new Set<number | undefined>([...envelopes.map((e) => e.socket), ...timeline.map((t) => t.socket)]);
    const sockets = [...session.sockets.values()].filter((so) => used.has(so.id)).slice(-50);
    const text = JSON.stringify({ v: 1, savedAt: Date.now(), envelopes, timeline, sockets });
    if (text.length <= MAX_CHARS || n === 0) {
      try {
        sessionStorage.setItem(KEY, text);
      } catch {
        if (n > 0) {
          n = Math.floor(n / 2);
          continue;
        }
      }
      return;
    }
    n = Math.floor(n / 2);
  }
}

function restore(session: Session): number {
  let doc: unknown;
  try {
    doc = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return 0;
  }
  if (!isRecord(doc) || doc['v'] !== 1 || !Array.isArray(doc['envelopes'])) return 0;
  const now = Date.now();
  const perfNow = performance.now();
  const savedAt = typeof doc['savedAt'] === 'number' ? doc['savedAt'] : now;
  // The sockets of earlier loads, closed, renumbered from 1001 (this load's own count from #1 again).
  const renumber = new Map<number, number>();
  const old = (Array.isArray(doc['sockets']) ? doc['sockets'] : []).filter(
    (x): x is SocketInfo => isRecord(x) && typeof x['id'] === 'number' && typeof x['startedAt'] === 'number',
  );
  old.sort((a, b) => a.startedAt - b.startedAt);
  for (const [i, so] of old.entries()) {
    const id = 1001 + i;
    renumber.set(so.id, id);
    session.sockets.set(id, { ...so, id, closedAt: so.closedAt ?? savedAt });
  }
  const socketOf = (n: unknown): number | undefined => (typeof n === 'number' ? (renumber.get(n) ?? n) : undefined);
  for (const t of Array.isArray(doc['timeline']) ? doc['timeline'] : [])
    if (isRecord(t) && typeof t['at'] === 'number' && typeof t['kind'] === 'string') {
      const socket = socketOf(t['socket']);
      session.addTimeline({
        ...(t as unknown as Omit<TimelineEvent, 'seq'>),
        ...(socket !== undefined ? { socket } : {}),
      });
    }
  if (old.length) session.socketsChanged();
  let n = 0;
  for (const e of doc['envelopes'] as unknown[]) {
    if (!isRecord(e) || typeof e['envelope_id'] !== 'string' || typeof e['receivedAt'] !== 'number') continue;
    const entry = e as unknown as Stored;
    // Its age on this page's clock, so the 3 s deadline and latencies read right.
    session.addEnvelope({
      ...entry,
      socket: socketOf(entry.socket) ?? entry.socket,
      t: perfNow - (now - entry.receivedAt),
      delivered: false,
    });
    n++;
  }
  return n;
}
