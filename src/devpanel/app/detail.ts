// The selected envelope: its ack (state, latency, the frame that was sent) or, while pending, the manual
// ack editor with the 3 s deadline counting down; then the full envelope JSON, collapsible.
import { ackBox, type AckControl } from './ack-box.ts';
import { clock, fmtMs, h, toast } from './dom.ts';
import { jsonTree, setAllOpen } from './json-tree.ts';
import type { EnvelopeEntry } from './model.ts';
import { panelBus } from './panel-bus.ts';
import type { Session } from './session.ts';

/** What the simulator made of the page's ack: read (when, latency, the frame as read), or not (yet), or missed. */
function simAck(e: EnvelopeEntry): HTMLElement | null {
  if (!panelBus.conns) return null; // real Slack: nothing confirms an ack
  const a = e.ack;
  const line =
    a.confirmedAt !== undefined
      ? `Confirmed: the simulator read the ack at ${clock(a.confirmedAt)}, ${fmtMs(a.simLatencyMs)} after sending the envelope.`
      : a.simMissedAt !== undefined
        ? a.frame
          ? 'Unconfirmed, then missed: the client wrote the ack, the simulator never read it (a dead or half-open socket).'
          : 'Missed: no ack within 3 s.'
        : a.frame
          ? 'Unconfirmed: written by the client, not read by the simulator (yet).'
          : 'Not acked yet.';
  return h(
    'section',
    { class: 'sim-ack', 'aria-label': 'Ack as the simulator saw it' },
    h('h3', {}, 'Simulator'),
    h('p', { 'data-field': 'sim-confirm', class: a.simMissedAt !== undefined ? 'error' : '' }, line),
    a.simFrame ? jsonTree(a.simFrame) : null,
  );
}

export function mountDetail(
  root: HTMLElement,
  session: Session,
  control: AckControl,
): { show(e: EnvelopeEntry | undefined): void } {
  const body = h('div', { class: 'detail-body' });
  root.append(h('div', { class: 'panel-head' }, h('h2', { id: 'detail-title' }, 'Envelope')), body);
  const ack = ackBox(control);
  let shown: EnvelopeEntry | undefined;
  let ackEl: HTMLElement | undefined;

  const placeholder = () =>
    h(
      'div',
      { class: 'empty-state' },
      'Select an envelope to see its JSON and its ack. ',
      h('br'),
      h(
        'span',
        { class: 'muted' },
        'Keys: ↑/↓ or j/k move through the stream; Ctrl+Enter sends the ack in the editor.',
      ),
    );

  setInterval(() => ack.tick(shown), 100);

  const show = (e: EnvelopeEntry | undefined): void => {
    shown = e;
    if (!e) {
      body.replaceChildren(placeholder());
      ackEl = undefined;
      return;
    }
    const tree = jsonTree(e.raw);
    ackEl = ack.render(e);
    const copy = async (): Promise<void> => {
      try {
        await navigator.clipboard.writeText(JSON.stringify(e.raw, null, 2));
        toast('Envelope JSON copied');
      } catch {
        toast('Clipboard not available', 'error');
      }
    };
    body.replaceChildren(
      h(
        'div',
        { class: 'detail-meta' },
        h(
          'div',
          { class: 'detail-title' },
          h('span', { class: `c-type t-${e.type}` }, e.type),
          ' ',
          h('strong', {}, e.eventType),
          e.replayed ? h('span', { class: 'tag replay' }, 'replay') : null,
        ),
        h(
          'dl',
          { class: 'kv' },
          h('dt', {}, 'envelope_id'),
          h('dd', { class: 'mono', 'data-field': 'envelope_id' }, e.envelope_id),
          h('dt', {}, 'received'),
          h(
            'dd',
            {},
            `${clock(e.receivedAt)} on socket #${e.socket}${session.sockets.get(e.socket)?.simConnectionId ? ` (${session.sockets.get(e.socket)!.simConnectionId})` : ''}`,
          ),
          h('dt', {}, 'retry'),
          h(
            'dd',
            {},
            e.retryAttempt
              ? `attempt ${e.retryAttempt}${e.retryReason ? ` (${e.retryReason})` : ''}`
              : 'first delivery',
          ),
          h('dt', {}, 'response payload'),
          h('dd', {}, e.acceptsPayload ? 'accepted' : 'not accepted'),
        ),
      ),
      ackEl,
      simAck(e) ?? '',
      h(
        'section',
        { class: 'json-box', 'aria-label': 'Envelope JSON' },
        h(
          'div',
          { class: 'row between' },
          h('h3', {}, 'Envelope JSON'),
          h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', class: 'ghost small', onclick: () => setAllOpen(tree, true) }, 'Expand all'),
            h(
              'button',
              { type: 'button', class: 'ghost small', onclick: () => setAllOpen(tree, false) },
              'Collapse all',
            ),
            h('button', { type: 'button', class: 'ghost small', onclick: () => void copy() }, 'Copy'),
          ),
        ),
        tree,
      ),
    );
  };

  session.on('ack', (e: EnvelopeEntry) => {
    if (e !== shown || !ackEl) return;
    ackEl = ack.refresh(ackEl, e);
    body.querySelector('.sim-ack')?.replaceWith(simAck(e) ?? '');
  });
  // A delivery to another connection (the "Every connection" tab) shows here too.
  panelBus.showDetail = (node) => {
    shown = undefined;
    ackEl = undefined;
    body.replaceChildren(node);
  };
  session.on('reset', () => show(undefined));

  show(undefined);
  return { show };
}
