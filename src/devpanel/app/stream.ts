// The live envelope stream: newest first, filter by type / ack state / text, ack state and a visible
// countdown per row. Rows are buttons; arrow keys move between them; selecting shows the detail.
import { clock, fmtMs, h } from './dom.ts';
import { ACK_DEADLINE_MS, type EnvelopeEntry } from './model.ts';
import type { Session } from './session.ts';

const MAX_ROWS = 1500;

export interface StreamView {
  select(entry: EnvelopeEntry | undefined, focus?: boolean): void;
  selected(): EnvelopeEntry | undefined;
}

const TYPE_LABEL: Record<string, string> = { events_api: 'event', slash_commands: 'slash', interactive: 'interactive' };

export function ackText(e: EnvelopeEntry, now = performance.now()): string {
  switch (e.ack.state) {
    case 'pending':
      return `${Math.max(0, (ACK_DEADLINE_MS - (now - e.t)) / 1000).toFixed(1)} s`;
    case 'sent':
      return 'unconfirmed';
    case 'acked':
      return fmtMs(e.ack.simLatencyMs ?? e.ack.latencyMs);
    case 'late':
      return `late ${fmtMs(e.ack.simLatencyMs ?? e.ack.latencyMs)}`;
    case 'missed':
      return 'missed';
    case 'failed':
      return 'ack failed';
  }
}

export function mountStream(
  root: HTMLElement,
  session: Session,
  onSelect: (e: EnvelopeEntry | undefined) => void,
): StreamView {
  const typeSel = h(
    'select',
    { id: 'filter-type', 'aria-label': 'Filter by envelope type' },
    h('option', { value: '' }, 'All types'),
    h('option', { value: 'events_api' }, 'events_api'),
    h('option', { value: 'slash_commands' }, 'slash_commands'),
    h('option', { value: 'interactive' }, 'interactive'),
  );
  const ackSel = h(
    'select',
    { id: 'filter-ack', 'aria-label': 'Filter by ack state' },
    h('option', { value: '' }, 'Any ack'),
    h('option', { value: 'pending' }, 'Pending'),
    h('option', { value: 'acked' }, 'Acked'),
    h('option', { value: 'sent' }, 'Unconfirmed'),
    h('option', { value: 'problem' }, 'Missed / late / failed'),
  );
  const text = h('input', {
    id: 'filter-text',
    type: 'search',
    placeholder: 'Filter: text, event type, id',
    'aria-label': 'Filter by text',
  });
  const count = h('span', { class: 'muted count', 'aria-live': 'polite' }, '0');
  const clearBtn = h('button', { type: 'button', class: 'ghost', onclick: () => session.clear() }, 'Clear');
  const list = h('ol', { class: 'env-list', id: 'env-list', 'aria-label': 'Envelopes received by this page' });
  const empty = h(
    'div',
    { class: 'empty-state' },
    'No envelopes yet. Inject one from the simulator panel, or wait for Slack.',
  );
  const head = h(
    'div',
    { class: 'env-head', 'aria-hidden': 'true' },
    h('span', {}, 'time'),
    h('span', {}, 'type'),
    h('span', {}, 'event'),
    h('span', {}, 'summary'),
    h('span', {}, 'retry'),
    h('span', {}, 'ack'),
  );
  root.append(h('div', { class: 'toolbar' }, typeSel, ackSel, text, count, clearBtn), head, empty, list);

  const rows = new Map<string, HTMLButtonElement>();
  let current: EnvelopeEntry | undefined;

  const matches = (e: EnvelopeEntry): boolean => {
    if (typeSel.value && e.type !== typeSel.value) return false;
    const a = ackSel.value;
    if (a === 'pending' && e.ack.state !== 'pending') return false;
    if (a === 'acked' && e.ack.state !== 'acked') return false;
    if (a === 'sent' && e.ack.state !== 'sent') return false;
    if (a === 'problem' && !(e.ack.state === 'missed' || e.ack.state === 'late' || e.ack.state === 'failed'))
      return false;
    const q = text.value.trim().toLowerCase();
    if (q && !`${e.eventType} ${e.summary} ${e.envelope_id} ${e.type}`.toLowerCase().includes(q)) return false;
    return true;
  };

  const paintAck = (row: HTMLButtonElement, e: EnvelopeEntry): void => {
    row.dataset['ack'] = e.ack.state;
    const cell = row.querySelector<HTMLElement>('.c-ack')!;
    const label = ackText(e);
    const bar =
      e.ack.state === 'pending'
        ? h(
            'span',
            { class: 'countdown', 'aria-hidden': 'true' },
            h('span', { style: `width:${Math.max(0, 100 - ((performance.now() - e.t) / ACK_DEADLINE_MS) * 100)}%` }),
          )
        : null;
    cell.replaceChildren(h('span', { class: `ack-pill s-${e.ack.state}` }, label), bar ?? '');
    row.setAttribute(
      'aria-label',
      `${e.eventType} ${e.type} at ${clock(e.receivedAt)}, ack ${e.ack.state === 'pending' ? `pending, ${label} left` : label}`,
    );
  };

  const makeRow = (e: EnvelopeEntry): HTMLButtonElement => {
    const row = h(
      'button',
      {
        type: 'button',
        class: 'env-row',
        'data-envelope-id': e.envelope_id,
        'data-type': e.type,
        'data-event-type': e.eventType,
        onclick: () => select(e),
      },
      h('span', { class: 'c-time' }, clock(e.receivedAt)),
      h('span', { class: `c-type t-${e.type}` }, TYPE_LABEL[e.type] ?? e.type),
      h('span', { class: 'c-event' }, e.eventType),
      h(
        'span',
        { class: 'c-summary' },
        e.summary,
        e.replayed ? h('span', { class: 'tag replay' }, 'replay') : null,
        !e.delivered && e.ack.state !== 'pending' && e.ack.by === 'client'
          ? h('span', { class: 'tag dedupe' }, 'dedupe')
          : null,
      ),
      h('span', { class: 'c-retry' }, e.retryAttempt ? `#${e.retryAttempt}` : ''),
      h('span', { class: 'c-ack' }),
    );
    paintAck(row, e);
    return row;
  };

  const refreshCount = (): void => {
    let shown = 0;
    for (const r of rows.values()) if (!r.parentElement!.hidden) shown++;
    count.textContent = session.envelopes.length === shown ? `${shown}` : `${shown} of ${session.envelopes.length}`;
    empty.hidden = session.envelopes.length > 0;
  };

  const add = (e: EnvelopeEntry): void => {
    const row = makeRow(e);
    rows.set(e.envelope_id, row);
    const li = h('li', {}, row);
    li.hidden = !matches(e);
    list.prepend(li);
    while (list.children.length > MAX_ROWS) {
      const last = list.lastElementChild as HTMLElement;
      const id = (last.firstElementChild as HTMLElement).dataset['envelopeId'];
      if (id) rows.delete(id);
      last.remove();
    }
    refreshCount();
  };

  const refilter = (): void => {
    for (const e of session.envelopes) {
      const row = rows.get(e.envelope_id);
      if (row) row.parentElement!.hidden = !matches(e);
    }
    refreshCount();
  };
  typeSel.addEventListener('change', refilter);
  ackSel.addEventListener('change', refilter);
  text.addEventListener('input', refilter);

  const select = (e: EnvelopeEntry | undefined, focus = false): void => {
    if (current) rows.get(current.envelope_id)?.removeAttribute('aria-current');
    current = e;
    if (e) {
      const row = rows.get(e.envelope_id);
      row?.setAttribute('aria-current', 'true');
      if (focus) row?.focus();
    }
    onSelect(e);
  };

  list.addEventListener('keydown', (ev: KeyboardEvent) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End', 'j', 'k'].includes(ev.key)) return;
    const visible = [...list.querySelectorAll<HTMLButtonElement>('li:not([hidden]) > .env-row')];
    if (!visible.length) return;
    const i = visible.indexOf(document.activeElement as HTMLButtonElement);
    let next = i;
    if (ev.key === 'ArrowDown' || ev.key === 'j') next = Math.min(visible.length - 1, i + 1);
    else if (ev.key === 'ArrowUp' || ev.key === 'k') next = Math.max(0, i - 1);
    else if (ev.key === 'Home') next = 0;
    else next = visible.length - 1;
    ev.preventDefault();
    const id = visible[next]!.dataset['envelopeId'];
    const entry = id ? session.byId.get(id) : undefined;
    if (entry) select(entry, true);
  });

  session.on('envelope', (e: EnvelopeEntry) => add(e));
  session.on('ack', (e: EnvelopeEntry) => {
    const row = rows.get(e.envelope_id);
    if (row) {
      paintAck(row, e);
      row.parentElement!.hidden = !matches(e);
      // The dedupe tag depends on how the ack was made; replay tags can come after the envelope.
      const summary = row.querySelector('.c-summary')!;
      if (e.replayed && !summary.querySelector('.tag.replay'))
        summary.append(h('span', { class: 'tag replay' }, 'replay'));
      if (!e.delivered && e.ack.by === 'client' && !summary.querySelector('.tag.dedupe'))
        summary.append(h('span', { class: 'tag dedupe' }, 'dedupe'));
    }
  });
  session.on('reset', () => {
    rows.clear();
    list.replaceChildren();
    select(undefined);
    refreshCount();
  });

  // Countdowns tick; deadlines turn into "missed".
  setInterval(() => {
    session.sweepDeadlines();
    for (let i = session.envelopes.length - 1; i >= 0; i--) {
      const e = session.envelopes[i]!;
      if (performance.now() - e.t > ACK_DEADLINE_MS * 4) break;
      if (e.ack.state === 'pending') {
        const row = rows.get(e.envelope_id);
        if (row) paintAck(row, e);
      }
    }
  }, 100);

  refreshCount();
  return { select, selected: () => current };
}
