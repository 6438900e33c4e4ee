// The page's connection, as the simulator hears it. A browser WebSocket cannot ping, so the page's client believes
// a half-open socket is fine (until its rotation, minutes away). The panel knows better: the simulator reports the
// connection half-open (or its path dead), or never confirms the acks written into it. Then the badge turns to a
// warning and a button offers to replace the connection (make-before-break: a new socket first, then the old one
// is retired).
import { $, h, toast } from './dom.ts';
import { ACK_DEADLINE_MS } from './model.ts';
import { panelBus } from './panel-bus.ts';
import type { Session } from './session.ts';
import { setStatus, statusIs } from './status.ts';

/** An ack written this long ago and not confirmed: the socket is not heard (loopback confirms in milliseconds). */
const UNCONFIRMED_MS = 1000;

/** Why the page's newest sockets are not heard by the simulator, or undefined when they are. */
export function connectionTrouble(session: Session, poolSize: number, now = Date.now()): string | undefined {
  const conns = panelBus.conns;
  if (!conns || !panelBus.feedUp) return undefined;
  const current = session.liveSockets().slice(0, poolSize);
  for (const s of current) {
    const sim = s.simConnectionId ? conns.byId.get(s.simConnectionId) : undefined;
    if (sim?.state === 'half-open') return `${s.simConnectionId} half-open (simulator)`;
    if (sim?.silentSince !== undefined) return `${s.simConnectionId} path dead (simulator)`;
  }
  const ids = new Set(current.map((s) => s.id));
  for (let i = session.envelopes.length - 1; i >= 0; i--) {
    const e = session.envelopes[i]!;
    if (now - e.receivedAt > 10 * ACK_DEADLINE_MS) break;
    if (!ids.has(e.socket) || !e.ack.frame || e.ack.confirmedAt !== undefined) continue;
    if (e.ack.simMissedAt !== undefined || (e.ack.at !== undefined && now - e.ack.at > UNCONFIRMED_MS))
      return 'acks unconfirmed';
  }
  return undefined;
}

export function watchConnection(opts: {
  session: Session;
  poolSize: () => number;
  /** The badge text when all is well ('connected', 'connected · 2 sockets'). */
  liveText: () => string;
  replace: (reason: string) => number;
}): void {
  const badge = $('status');
  const btn = h(
    'button',
    {
      type: 'button',
      id: 'replace-conn',
      class: 'warn',
      title: 'Open a new connection, then retire this one (make-before-break)',
    },
    'Replace connection',
  );
  btn.hidden = true;
  badge.after(btn);
  btn.addEventListener('click', () => {
    const n = opts.replace('replaced_from_panel');
    toast(
      n ? `Replacing ${n} connection${n > 1 ? 's' : ''} (make-before-break)` : 'No live connection to replace',
      n ? 'info' : 'error',
    );
  });

  const check = (): void => {
    const live = statusIs('connected') || statusIs('warning');
    const why = live ? connectionTrouble(opts.session, opts.poolSize()) : undefined;
    if (why) {
      if (!statusIs('warning') || badge.textContent !== `connected · ${why}`)
        setStatus('warning', `connected · ${why}`);
    } else if (statusIs('warning')) setStatus('connected', opts.liveText());
    btn.hidden = !why;
  };
  opts.session.on('ack', check);
  opts.session.on('sockets', check);
  panelBus.onSim((r) => {
    if (r.event === 'connection' || r.event === 'state' || r.event === 'missed') check();
  });
  setInterval(check, 250);
}
