// `dev --forward-to`: each request the forwarder made to the HTTP app, newest first — time, envelope type and
// what, target, the app's status (or why it failed: refused, timeout, 401 with its hint), ms, and the ack it
// produced (its size; the payload itself under "Ack payload"). Polls the dev panel server's `/forwarded`.
import { clock, fmtMs, h, isRecord } from './dom.ts';
import { jsonTree } from './json-tree.ts';
import type { ForwardedRecord } from '../forwarded-log.ts';

/** One record as the server sends it. */
type Forwarded = ForwardedRecord;

const KEEP = 200;

function outcome(r: Forwarded): string {
  if (r.acked) return `${r.status ?? ''} → ${r.ackBytes === 0 ? 'ack (no payload)' : `ack ${r.ackBytes} B`}`.trim();
  if (r.failure === 'refused') return 'refused · not acked';
  if (r.failure === 'timeout') return 'timeout · not acked';
  return `${r.status ?? r.failure ?? 'failed'} · not acked`;
}

function row(r: Forwarded): HTMLElement {
  return h(
    'li',
    {
      class: 'reply fwd',
      'data-seq': r.seq,
      'data-type': r.type,
      'data-acked': String(r.acked),
      'data-status': r.status ?? '',
      'data-failure': r.failure ?? '',
    },
    h(
      'div',
      { class: 'reply-head' },
      h('time', {}, clock(r.at)),
      h('span', { class: 'tag' }, r.type),
      h('b', { 'data-field': 'what' }, r.what),
      r.retryNum ? h('span', { class: 'muted small' }, `retry ${r.retryNum}`) : null,
      h('span', { class: 'muted small', 'data-field': 'ms' }, fmtMs(r.ms)),
    ),
    h(
      'div',
      { class: `reply-text ${r.acked ? '' : 'error'}`, 'data-field': 'outcome' },
      outcome(r),
      r.reason && !r.acked ? h('span', { class: 'muted small' }, ` — ${r.reason}`) : null,
    ),
    r.hint ? h('div', { class: 'small', 'data-field': 'hint' }, r.hint) : null,
    h('div', { class: 'muted small mono', 'data-field': 'target' }, `→ ${r.target ?? '(no route)'}`),
    r.ack !== undefined
      ? h('details', { 'data-field': 'ack' }, h('summary', { class: 'small muted' }, 'Ack payload'), jsonTree(r.ack))
      : null,
  );
}

/**
 * Adds a "Forwarded" tab next to the envelope stream and selects it (in forward mode this page has no client of
 * its own, the app is the one acking). Call before mountNavigation, which wires the tabs it finds.
 */
export function mountForwarded(opts: { url: string; forwardTo: string; everyMs?: number }): void {
  const tabs = document.querySelector<HTMLElement>('[role="tablist"]')!;
  const tab = h(
    'button',
    { type: 'button', role: 'tab', id: 'tab-forwarded', 'aria-controls': 'forwarded-panel', 'aria-selected': 'true' },
    'Forwarded ',
    h('span', { class: 'muted small' }, '(to the HTTP app)'),
  );
  for (const t of tabs.querySelectorAll<HTMLElement>('[role="tab"]')) {
    t.setAttribute('aria-selected', 'false');
    t.tabIndex = -1;
    document.getElementById(t.getAttribute('aria-controls')!)!.hidden = true;
  }
  tabs.prepend(tab);
  const list = h('ol', { class: 'replies', id: 'forwarded-list', 'aria-label': 'Requests forwarded to the HTTP app' });
  const empty = h(
    'div',
    { class: 'empty-state small' },
    `Envelopes go to ${opts.forwardTo}, signed as Slack signs them; each request, the app's status and the ack it produced show here.`,
  );
  const count = h('span', { class: 'muted small', id: 'forwarded-count', 'aria-live': 'polite' }, '0 forwarded');
  const panel = h(
    'div',
    { id: 'forwarded-panel', role: 'tabpanel', 'aria-labelledby': 'tab-forwarded', class: 'tabpanel', tabindex: -1 },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Forwarded requests'), count),
    empty,
    list,
  );
  document.getElementById('stream-panel')!.before(panel);

  let last = 0;
  let busy = false;
  const poll = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(`${opts.url}?since=${last}`, { cache: 'no-store' });
      if (!res.ok) return;
      const body = (await res.json()) as { total?: unknown; records?: unknown };
      const records = Array.isArray(body.records) ? (body.records.filter(isRecord) as unknown as Forwarded[]) : [];
      for (const r of records) {
        last = Math.max(last, r.seq);
        list.prepend(row(r));
      }
      while (list.children.length > KEEP) list.lastElementChild!.remove();
      empty.hidden = list.children.length > 0;
      if (typeof body.total === 'number') count.textContent = `${body.total} forwarded`;
    } catch {
      // The panel server is gone or restarting: the next poll tries again.
    } finally {
      busy = false;
    }
  };
  void poll();
  setInterval(() => void poll(), opts.everyMs ?? 500);
}
