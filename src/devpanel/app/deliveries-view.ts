// The "Every connection" tab: every envelope the simulator delivered, to the bot, this page or another process,
// newest first, filterable by connection. Each row is a button that opens the delivery in the detail pane.
import { clock, fmtMs, h } from './dom.ts';
import { deliveryDetail, whoLabel } from './delivery-detail.ts';
import { ackStatus, allDeliveries, type DeliveryRow } from './deliveries.ts';
import { panelBus } from './panel-bus.ts';
import type { SimConnections } from './sim-connections.ts';

const MAX_SHOWN = 1000;

/** Adds the tab next to the simulator feed's (before the tabs are wired: mountNavigation runs after). */
export function mountAllDeliveries(feedRoot: HTMLElement, conns: SimConnections): void {
  const tabs = document.querySelector('.tabs');
  const panelParent = feedRoot.parentElement;
  if (!tabs || !panelParent) return;
  const count = h('span', { class: 'muted small', id: 'all-count' }, '');
  const tab = h(
    'button',
    {
      type: 'button',
      role: 'tab',
      id: 'tab-all',
      'aria-controls': 'all-panel',
      'aria-selected': 'false',
      tabindex: '-1',
    },
    'Every connection ',
    count,
  );
  tabs.append(tab);
  const panel = h('div', { id: 'all-panel', role: 'tabpanel', 'aria-labelledby': 'tab-all', class: 'tabpanel' });
  panel.hidden = true;
  panelParent.append(panel);

  const connSel = h(
    'select',
    { id: 'all-filter-conn', 'aria-label': 'Filter by connection' },
    h('option', { value: '' }, 'All connections'),
    h('option', { value: 'bot' }, 'The bot'),
    h('option', { value: 'page' }, 'This page'),
    h('option', { value: 'other' }, 'Other processes'),
  );
  const shown = h('span', { class: 'muted count', 'aria-live': 'polite', id: 'all-shown' }, '0');
  const list = h('ol', {
    class: 'all-list',
    id: 'all-list',
    'aria-label': 'Envelopes delivered to every connection',
  });
  const empty = h(
    'div',
    { class: 'empty-state' },
    'Nothing delivered yet: every envelope to any connection shows here.',
  );
  panel.append(h('div', { class: 'toolbar' }, connSel, shown), empty, list);

  const rows = new Map<string, HTMLLIElement>();
  let openId: string | undefined;
  let openNode: HTMLElement | undefined;

  const whoOf = (r: DeliveryRow): string => {
    if (conns.pageIds().has(r.connectionId)) return 'page';
    return conns.byId.get(r.connectionId)?.label === 'bot' ? 'bot' : 'other';
  };
  const matches = (r: DeliveryRow): boolean => {
    const v = connSel.value;
    if (!v) return true;
    if (v === 'bot' || v === 'page' || v === 'other') return whoOf(r) === v;
    return r.connectionId === v;
  };

  const open = (r: DeliveryRow): void => {
    openId = r.envelope_id;
    for (const li of rows.values()) li.firstElementChild!.removeAttribute('aria-current');
    rows.get(r.envelope_id)?.firstElementChild!.setAttribute('aria-current', 'true');
    openNode = deliveryDetail(r, conns, open);
    panelBus.showDetail?.(openNode);
  };

  panelBus.openDelivery = (id) => {
    const r = allDeliveries.byId.get(id);
    if (r) open(r);
    return !!r;
  };

  const paint = (r: DeliveryRow): HTMLLIElement => {
    const status = ackStatus(r);
    const first = r.acks.find((a) => !a.duplicate);
    const who = whoLabel(conns, r.connectionId);
    const ackLabel =
      status === 'acked' ? fmtMs(first!.latencyMs) : status === 'late' ? `late ${fmtMs(first!.latencyMs)}` : status;
    const btn = h(
      'button',
      {
        type: 'button',
        class: 'conn-row all-row',
        'data-envelope-id': r.envelope_id,
        'data-connection': r.connectionId,
        'data-who': whoOf(r),
        'data-ack': status,
        'aria-label': `${r.eventType} ${r.type} to ${r.connectionId} (${who}) at ${clock(r.sentAt)}, ack ${ackLabel}${r.actions.length ? `, ${r.actions.length} app action(s)` : ''}`,
        onclick: () => open(r),
      },
      h('span', { class: 'c-time' }, clock(r.sentAt)),
      h('span', { class: 'c-conn' }, r.connectionId, ' ', h('span', { class: `tag who-${whoOf(r)}` }, who)),
      h('span', { class: 'c-event' }, r.eventType),
      h(
        'span',
        { class: 'c-summary' },
        r.summary,
        r.actions.length
          ? h('span', { class: 'tag' }, `${r.actions.length} call${r.actions.length > 1 ? 's' : ''}`)
          : null,
      ),
      h('span', { class: 'c-retry' }, r.retryAttempt ? `#${r.retryAttempt}` : ''),
      h('span', { class: 'c-ack' }, h('span', { class: `ack-pill s-${status}` }, ackLabel)),
    );
    if (openId === r.envelope_id) btn.setAttribute('aria-current', 'true');
    const li = h('li', {}, btn);
    li.hidden = !matches(r);
    return li;
  };

  const refreshCount = (): void => {
    let n = 0;
    for (const li of rows.values()) if (!li.hidden) n++;
    shown.textContent = n === rows.size ? `${n}` : `${n} of ${rows.size}`;
    count.textContent = `(${rows.size})`;
    empty.hidden = rows.size > 0;
  };

  const syncConnOptions = (): void => {
    const have = new Set([...connSel.options].map((o) => o.value));
    for (const id of new Set(allDeliveries.rows.map((r) => r.connectionId))) {
      if (have.has(id)) continue;
      connSel.append(h('option', { value: id }, `${id} (${whoLabel(conns, id)})`));
    }
  };

  const renderAll = (): void => {
    rows.clear();
    const items = allDeliveries.rows.slice(-MAX_SHOWN).reverse();
    list.replaceChildren(
      ...items.map((r) => {
        const li = paint(r);
        rows.set(r.envelope_id, li);
        return li;
      }),
    );
    syncConnOptions();
    refreshCount();
  };

  allDeliveries.on((r) => {
    if (!r) return renderAll();
    const old = rows.get(r.envelope_id);
    const li = paint(r);
    rows.set(r.envelope_id, li);
    if (old) old.replaceWith(li);
    else {
      list.prepend(li);
      while (list.children.length > MAX_SHOWN) {
        const last = list.lastElementChild as HTMLElement;
        rows.delete((last.firstElementChild as HTMLElement).dataset['envelopeId'] ?? '');
        last.remove();
      }
      syncConnOptions();
    }
    refreshCount();
    // The open delivery (or one of its chain) changed: show it again.
    if (openId !== undefined && openNode?.isConnected) {
      const cur = allDeliveries.byId.get(openId);
      if (cur && (cur === r || (cur.eventId && cur.eventId === r.eventId))) open(cur);
    }
  });
  panelBus.onSim((rec) => allDeliveries.read(rec));
  // Arrow keys (or j/k, Home/End) move between rows and open each, as in the page's own stream.
  list.addEventListener('keydown', (ev: KeyboardEvent) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End', 'j', 'k'].includes(ev.key)) return;
    const visible = [...list.querySelectorAll<HTMLButtonElement>('li:not([hidden]) > .all-row')];
    if (!visible.length) return;
    const i = visible.indexOf(document.activeElement as HTMLButtonElement);
    const next =
      ev.key === 'ArrowDown' || ev.key === 'j'
        ? Math.min(visible.length - 1, i + 1)
        : ev.key === 'ArrowUp' || ev.key === 'k'
          ? Math.max(0, i - 1)
          : ev.key === 'Home'
            ? 0
            : visible.length - 1;
    ev.preventDefault();
    const r = allDeliveries.byId.get(visible[next]!.dataset['envelopeId'] ?? '');
    if (!r) return;
    open(r);
    rows.get(r.envelope_id)?.querySelector('button')?.focus();
  });
  connSel.addEventListener('change', () => {
    for (const r of allDeliveries.rows) {
      const li = rows.get(r.envelope_id);
      if (li) li.hidden = !matches(r);
    }
    refreshCount();
  });
  refreshCount();
}
