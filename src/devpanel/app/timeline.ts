// The connection timeline: one lane per socket the client opened (connecting -> live -> warned ->
// refreshing -> closed as coloured bars, frames as markers), a lane for client-level events, a time axis,
// and the latest events as chips. Redrawn twice a second; markers are buttons (focus shows the detail).
import { clock, h } from './dom.ts';
import type { SocketInfo, TimelineEvent } from './model.ts';
import type { Session } from './session.ts';

// 'Auto' fits the window to the latest events (at least 10 s), so a refresh that takes a second is readable.
const AUTO_EVENTS = 12;
const WINDOWS = [
  { label: 'Auto', ms: 0 },
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
];
const MAX_LANES = 6;
const CHIPS = 14;

// Axis ticks fall on round steps (each label exact, so no two read the same); a narrow axis gets fewer.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600].map((s) => s * 1000);
const tickLabel = (ms: number): string =>
  ms === 0
    ? 'now'
    : ms % 60_000 === 0
      ? `-${ms / 60_000}m`
      : ms > 60_000
        ? `-${Math.floor(ms / 60_000)}m${(ms % 60_000) / 1000}s`
        : `-${ms / 1000}s`;
/** The ticks (ms before now) for a window: the smallest round step giving at most `max` of them. */
export function axisTicks(windowMs: number, max: number): number[] {
  const step = STEPS.find((s) => windowMs / s <= max) ?? Math.ceil(windowMs / max / 60_000) * 60_000;
  const out: number[] = [];
  for (let t = 0; t <= windowMs; t += step) out.push(t);
  return out;
}

export function mountTimeline(root: HTMLElement, session: Session): void {
  let choice = WINDOWS[0]!.ms;
  let windowMs = 60_000;
  const lanes = h('div', { class: 'tl-lanes' });
  const axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
  const chips = h('ol', { class: 'tl-chips', 'aria-label': 'Latest connection events' });
  const caption = h('div', { class: 'tl-caption', 'aria-live': 'polite' }, 'Connection events appear here.');
  const winButtons = WINDOWS.map((w) =>
    h(
      'button',
      {
        type: 'button',
        class: 'seg',
        'aria-pressed': String(w.ms === choice),
        onclick: () => {
          choice = w.ms;
          for (const b of winButtons) b.setAttribute('aria-pressed', String(b.textContent === w.label));
          draw();
        },
      },
      w.label,
    ),
  );

  root.append(
    h(
      'div',
      { class: 'panel-head' },
      h('h2', {}, 'Connection timeline'),
      h(
        'div',
        { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'lg connecting' }, 'connecting'),
        h('span', { class: 'lg live' }, 'live'),
        h('span', { class: 'lg warned' }, 'warned'),
        h('span', { class: 'lg draining' }, 'refreshing'),
        h('span', { class: 'lg problem' }, 'error'),
      ),
      h('div', { class: 'seg-group', role: 'group', 'aria-label': 'Time window' }, ...winButtons),
    ),
    lanes,
    axis,
    chips,
    caption,
  );

  const describe = (e: TimelineEvent): string =>
    `${clock(e.at)} ${e.socket !== undefined ? `socket #${e.socket} ` : 'client '}${e.label}${e.detail && e.detail !== e.label ? ` — ${e.detail}` : ''}`;

  const marker = (e: TimelineEvent, left: number): HTMLElement =>
    h('button', {
      type: 'button',
      class: `tl-mark k-${e.kind}`,
      'data-kind': e.kind,
      'data-seq': e.seq,
      style: `left:${left}%`,
      title: describe(e),
      'aria-label': describe(e),
      onfocus: () => (caption.textContent = describe(e)),
      onclick: () => (caption.textContent = describe(e)),
    });

  const segment = (cls: string, from: number, to: number, t0: number): HTMLElement | null => {
    if (to <= t0) return null;
    const a = Math.max(from, t0);
    const left = ((a - t0) / windowMs) * 100;
    const width = Math.max(((to - a) / windowMs) * 100, 0.3);
    return h('div', { class: `tl-seg ${cls}`, style: `left:${left}%;width:${width}%` });
  };

  const socketSegments = (s: SocketInfo, now: number, t0: number): Array<HTMLElement | null> => {
    const end = s.closedAt ?? s.closingAt ?? now;
    const drainFrom = s.refreshAt ?? s.disconnectAt;
    const liveEnd = s.warnedAt ?? drainFrom ?? end;
    return [
      segment('connecting', s.startedAt, s.helloAt ?? drainFrom ?? end, t0),
      s.helloAt !== undefined ? segment('live', s.helloAt, liveEnd, t0) : null,
      s.warnedAt !== undefined ? segment('warned', s.warnedAt, drainFrom ?? end, t0) : null,
      drainFrom !== undefined
        ? segment(
            s.disconnectReason && s.disconnectReason !== 'refresh_requested' ? 'problem' : 'draining',
            drainFrom,
            end,
            t0,
          )
        : null,
    ];
  };

  const laneLabel = (s: SocketInfo): string =>
    `#${s.id}${s.simConnectionId ? ` ${s.simConnectionId}` : s.debugHost ? ` ${s.debugHost}` : ''}`;

  let lastChipSeq = 0;
  const drawChips = (): void => {
    const tl = session.timeline;
    const newest = tl[tl.length - 1];
    if (!newest || newest.seq === lastChipSeq) return;
    lastChipSeq = newest.seq;
    chips.replaceChildren(
      ...tl
        .slice(-CHIPS)
        .map((e) =>
          h(
            'li',
            { class: `tl-chip k-${e.kind}`, 'data-kind': e.kind, title: describe(e) },
            h('span', { class: 'dot', 'aria-hidden': 'true' }),
            h('time', {}, clock(e.at).slice(0, 8)),
            ' ',
            e.socket !== undefined ? h('span', { class: 'sock' }, `#${e.socket}`) : null,
            ' ',
            e.label,
          ),
        ),
    );
    chips.scrollLeft = chips.scrollWidth;
  };

  const draw = (): void => {
    const now = Date.now();
    if (choice === 0) {
      const tl = session.timeline;
      const first = tl[Math.max(0, tl.length - AUTO_EVENTS)]?.at ?? now;
      windowMs = Math.min(900_000, Math.max(10_000, (now - first) * 1.1));
    } else windowMs = choice;
    const t0 = now - windowMs;
    const focusedSeq = (document.activeElement as HTMLElement | null)?.closest?.('.tl-lanes')
      ? (document.activeElement as HTMLElement).dataset['seq']
      : undefined;
    const pos = (at: number) => ((at - t0) / windowMs) * 100;
    const inWin = (e: TimelineEvent) => e.at >= t0;

    const sockets = [...session.sockets.values()]
      .filter((s) => (s.closedAt ?? s.closingAt ?? now) >= t0)
      // By when they opened: sockets kept from before a reload are numbered from #1001 but are the oldest.
      .sort((a, b) => a.startedAt - b.startedAt || a.id - b.id)
      .slice(-MAX_LANES);
    const events = session.timeline.filter(inWin);
    const rows: HTMLElement[] = [];
    const clientEvents = events.filter((e) => e.socket === undefined);
    rows.push(
      h(
        'div',
        { class: 'tl-lane client' },
        h('div', { class: 'tl-label' }, 'client'),
        h('div', { class: 'tl-track' }, ...clientEvents.map((e) => marker(e, pos(e.at)))),
      ),
    );
    for (const s of sockets) {
      const mine = events.filter((e) => e.socket === s.id);
      rows.push(
        h(
          'div',
          {
            class: `tl-lane${s.closedAt === undefined && s.closingAt === undefined ? ' open' : ''}`,
            'data-socket': s.id,
          },
          h('div', { class: 'tl-label', title: s.debugHost ? `host ${s.debugHost}` : s.host }, laneLabel(s)),
          h('div', { class: 'tl-track' }, ...socketSegments(s, now, t0), ...mine.map((e) => marker(e, pos(e.at)))),
        ),
      );
    }
    if (sockets.length === 0)
      rows.push(
        h(
          'div',
          { class: 'tl-lane empty' },
          h('div', { class: 'tl-label' }, ''),
          h('div', { class: 'tl-track' }, h('span', { class: 'muted' }, 'no sockets in this window')),
        ),
      );
    lanes.replaceChildren(...rows);
    if (focusedSeq) lanes.querySelector<HTMLElement>(`[data-seq="${focusedSeq}"]`)?.focus();

    // About one label per 70 px: 6 on a laptop, 3 on a phone.
    const max = Math.max(2, Math.min(6, Math.floor((axis.clientWidth || 420) / 70)));
    axis.replaceChildren(
      ...axisTicks(windowMs, max)
        .reverse()
        .map((t) => {
          const left = ((windowMs - t) / windowMs) * 100;
          return h('span', { style: `left:${left}%`, class: t === 0 ? 'now' : left < 6 ? 'start' : '' }, tickLabel(t));
        }),
    );
    drawChips();
  };

  let queued = false;
  session.on('timeline', () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  });
  setInterval(draw, 500);
  draw();
}
