// One delivery to any connection, opened in the detail pane: its ids in full (copyable), the connection, the ack
// frame the simulator read and when (latency), a missed deadline, the retry chain, what the app did in response
// (Web API calls, response_url posts, each with how it was tied to this envelope), and the envelope JSON.
import { clock, fmtMs, h, toast } from './dom.ts';
import { jsonTree } from './json-tree.ts';
import { ackStatus, allDeliveries, LINKED_BY, type DeliveryRow } from './deliveries.ts';
import type { SimConnections } from './sim-connections.ts';

export function whoLabel(conns: SimConnections, id: string): string {
  if (conns.pageIds().has(id)) return 'this page';
  const label = conns.byId.get(id)?.label;
  return label === 'bot' ? 'the bot' : label ? label : 'another process';
}

const copyBtn = (what: string, text: string): HTMLElement =>
  h(
    'button',
    {
      type: 'button',
      class: 'ghost small',
      'aria-label': `Copy ${what}`,
      onclick: () =>
        void navigator.clipboard.writeText(text).then(
          () => toast(`${what} copied`),
          () => toast('Clipboard not available', 'error'),
        ),
    },
    'Copy',
  );

export function deliveryDetail(row: DeliveryRow, conns: SimConnections, open: (r: DeliveryRow) => void): HTMLElement {
  const status = ackStatus(row);
  const first = row.acks.find((a) => !a.duplicate);
  const chain = allDeliveries.chain(row);
  const ackPart = first
    ? h(
        'div',
        {},
        h(
          'p',
          { 'data-field': 'sim-ack' },
          `Read by the simulator at ${clock(first.receivedAt)}, ${fmtMs(first.latencyMs)} after it was sent`,
          first.late ? ' (late: after the 3 s deadline)' : '',
          ` · from ${first.connectionId} (${whoLabel(conns, first.connectionId)})`,
        ),
        h('div', { class: 'muted small' }, 'The ack frame exactly as the simulator read it:'),
        first.frame ? jsonTree(first.frame) : h('span', { class: 'muted' }, '(not recorded)'),
        row.acks.length > 1 ? h('p', { class: 'muted small' }, `${row.acks.length - 1} more ack(s): duplicates`) : null,
      )
    : h(
        'p',
        { 'data-field': 'sim-ack', class: row.missed ? 'error' : 'muted' },
        row.missed
          ? `No ack read within 3 s: missed${row.missedAt ? ` at ${clock(row.missedAt)}` : ''}${row.type === 'events_api' ? ' (Slack retries events)' : ''}.`
          : 'No ack read by the simulator yet.',
      );

  return h(
    'div',
    { class: 'delivery-detail', 'data-envelope-id': row.envelope_id },
    h(
      'div',
      { class: 'detail-meta' },
      h(
        'div',
        { class: 'detail-title' },
        h('span', { class: `c-type t-${row.type}` }, row.type),
        ' ',
        h('strong', {}, row.eventType),
        h('span', { class: `ack-pill s-${status}`, 'data-field': 'status' }, status),
      ),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'envelope_id'),
        h(
          'dd',
          { class: 'mono' },
          h('span', { 'data-field': 'envelope_id' }, row.envelope_id),
          ' ',
          copyBtn('envelope_id', row.envelope_id),
        ),
        row.eventId ? h('dt', {}, 'event_id') : null,
        row.eventId ? h('dd', { class: 'mono', 'data-field': 'event_id' }, row.eventId) : null,
        h('dt', {}, 'delivered'),
        h(
          'dd',
          { 'data-field': 'connection' },
          `${clock(row.sentAt)} to ${row.connectionId} (${whoLabel(conns, row.connectionId)})`,
        ),
        h('dt', {}, 'retry'),
        h('dd', {}, row.retryAttempt ? `attempt ${row.retryAttempt}` : 'first delivery'),
      ),
    ),
    h(
      'section',
      { class: 'ack-box', 'aria-label': 'Ack as the simulator read it' },
      h('h3', {}, 'Ack (simulator)'),
      ackPart,
    ),
    chain.length > 1
      ? h(
          'section',
          { 'aria-label': 'Retry chain' },
          h('h3', {}, `Retry chain (${chain.length} attempts of this event)`),
          h(
            'ol',
            { class: 'chain', 'data-field': 'chain' },
            ...chain.map((r) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'ghost small chain-item',
                    'aria-current': r === row ? 'true' : null,
                    onclick: () => open(r),
                  },
                  `#${r.retryAttempt} · ${r.connectionId} · ${ackStatus(r)} · ${r.envelope_id}`,
                ),
              ),
            ),
          ),
        )
      : null,
    h(
      'section',
      { 'aria-label': 'What the app did' },
      h('h3', {}, `What the app did (${row.actions.length})`),
      row.actions.length
        ? h(
            'ol',
            { class: 'replies', 'data-field': 'actions' },
            ...row.actions.map((a) =>
              h(
                'li',
                { class: 'reply', 'data-kind': a.kind },
                h(
                  'div',
                  { class: 'reply-head' },
                  h('span', { class: 'tag' }, a.kind),
                  h('time', {}, clock(a.at)),
                  h('span', { class: a.ok ? 'muted small' : 'error small' }, a.ok ? 'ok' : `error ${a.error ?? ''}`),
                ),
                h(
                  'div',
                  { class: 'muted small', 'data-field': 'linked-by' },
                  `linked by ${a.linkedBy}: ${LINKED_BY[a.linkedBy] ?? ''}`,
                ),
                h('details', {}, h('summary', { class: 'small muted' }, 'JSON'), jsonTree(a.body)),
              ),
            ),
          )
        : h('p', { class: 'muted small' }, 'No Web API call or response_url post tied to this envelope.'),
    ),
    h(
      'section',
      { class: 'json-box', 'aria-label': 'Envelope JSON as delivered' },
      h(
        'div',
        { class: 'row between' },
        h('h3', {}, 'Envelope JSON'),
        row.envelope ? copyBtn('Envelope JSON', JSON.stringify(row.envelope, null, 2)) : null,
      ),
      row.envelope ? jsonTree(row.envelope) : h('p', { class: 'muted' }, '(not recorded)'),
    ),
  );
}
