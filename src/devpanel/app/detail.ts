// The selected envelope: its ack (state, latency, the frame that was sent) or, while pending, the manual
// ack editor with the 3 s deadline counting down; then the full envelope JSON, collapsible.
import { clock, fmtMs, h, isRecord, toast } from './dom.ts';
import { jsonTree, setAllOpen } from './json-tree.ts';
import { ACK_DEADLINE_MS, type EnvelopeEntry } from './model.ts';
import type { Session } from './session.ts';

export interface AckControl {
  /** The client's ack function is still unused for this envelope. */
  canAck(e: EnvelopeEntry): boolean;
  ack(e: EnvelopeEntry, payload: Record<string, unknown> | undefined): Promise<void>;
}

/** A starting point for the response payload, by what the envelope is. */
export function ackTemplate(e: EnvelopeEntry): string {
  const p = isRecord(e.raw['payload']) ? e.raw['payload'] : {};
  if (e.type === 'slash_commands') {
    return JSON.stringify(
      {
        response_type: 'ephemeral',
        text: `Got ${String(p['command'] ?? 'the command')} ${String(p['text'] ?? '')}`.trim(),
      },
      null,
      2,
    );
  }
  if (e.eventType === 'view_submission') {
    return JSON.stringify({ response_action: 'errors', errors: { input_block: 'Please check this field' } }, null, 2);
  }
  if (e.eventType === 'block_suggestion') {
    return JSON.stringify(
      {
        options: [
          { text: { type: 'plain_text', text: 'First option' }, value: 'opt-1' },
          { text: { type: 'plain_text', text: 'Second option' }, value: 'opt-2' },
        ],
      },
      null,
      2,
    );
  }
  return '';
}

export function mountDetail(
  root: HTMLElement,
  session: Session,
  control: AckControl,
): { show(e: EnvelopeEntry | undefined): void } {
  const body = h('div', { class: 'detail-body' });
  root.append(h('div', { class: 'panel-head' }, h('h2', { id: 'detail-title' }, 'Envelope')), body);
  let shown: EnvelopeEntry | undefined;
  let ackBox: HTMLElement | undefined;
  let editor: HTMLTextAreaElement | undefined;
  let countdown: { bar: HTMLElement; label: HTMLElement } | undefined;
  const drafts = new Map<string, string>(); // keep edits when moving between envelopes

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

  const renderAck = (e: EnvelopeEntry): HTMLElement => {
    countdown = undefined;
    editor = undefined;
    const box = h('section', { class: 'ack-box', 'aria-labelledby': 'ack-h', 'data-ack': e.ack.state });
    const state = h('span', { class: `ack-pill s-${e.ack.state}` }, e.ack.state);
    box.append(
      h(
        'h3',
        { id: 'ack-h' },
        'Ack ',
        state,
        e.ack.latencyMs !== undefined ? h('span', { class: 'muted' }, ` after ${fmtMs(e.ack.latencyMs)}`) : null,
        e.ack.by
          ? h(
              'span',
              { class: 'muted' },
              ` · ${e.ack.by === 'client' ? 'by the client (not delivered to the page: duplicate)' : e.ack.by}`,
            )
          : null,
      ),
    );

    if (e.ack.frame) {
      box.append(
        h(
          'div',
          { class: 'muted small' },
          `sent ${e.ack.at ? clock(e.ack.at) : ''} — the frame written to the socket:`,
        ),
        jsonTree(e.ack.frame),
      );
      return box;
    }
    if (e.ack.state === 'failed') box.append(h('p', { class: 'error' }, e.ack.error ?? 'ack failed'));

    if (!control.canAck(e)) {
      box.append(
        h('p', { class: 'muted' }, e.ack.state === 'pending' ? 'Waiting for the client to ack…' : 'No ack was sent.'),
      );
      return box;
    }
    // Manual ack: deadline + payload editor.
    const bar = h('span', {});
    const label = h('span', { class: 'deadline-label', 'aria-live': 'off' });
    countdown = { bar, label };
    box.append(
      h(
        'div',
        { class: 'deadline', role: 'timer', 'aria-label': 'Time left to ack' },
        h('span', { class: 'deadline-bar' }, bar),
        label,
      ),
    );
    tick();
    const hint = e.acceptsPayload
      ? 'Response payload (JSON object; empty = ack without payload):'
      : 'This envelope does not accept a response payload (accepts_response_payload: false).';
    const ta = h('textarea', {
      id: 'ack-payload',
      class: 'code',
      rows: 8,
      spellcheck: 'false',
      'aria-label': 'Ack response payload (JSON)',
      disabled: !e.acceptsPayload,
    });
    ta.value = drafts.get(e.envelope_id) ?? (e.acceptsPayload ? ackTemplate(e) : '');
    ta.addEventListener('input', () => drafts.set(e.envelope_id, ta.value));
    const err = h('div', { class: 'error small', role: 'alert' });
    const send = async (withPayload: boolean): Promise<void> => {
      let payload: Record<string, unknown> | undefined;
      if (withPayload && ta.value.trim()) {
        try {
          const v: unknown = JSON.parse(ta.value);
          if (!isRecord(v)) throw new Error('the payload must be a JSON object');
          payload = v;
        } catch (x) {
          err.textContent = `Invalid JSON: ${(x as Error).message}`;
          ta.focus();
          return;
        }
      }
      err.textContent = '';
      try {
        await control.ack(e, payload);
        drafts.delete(e.envelope_id);
      } catch (x) {
        err.textContent = `Ack failed: ${(x as Error).message}`;
        toast(`Ack failed: ${(x as Error).message}`, 'error');
      }
    };
    ta.addEventListener('keydown', (ev: KeyboardEvent) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        void send(true);
      }
    });
    editor = ta;
    box.append(
      h('label', { for: 'ack-payload', class: 'small' }, hint),
      ta,
      err,
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'send-ack',
            onclick: () => void send(true),
            disabled: !e.acceptsPayload,
          },
          'Send ack with payload',
        ),
        h('button', { type: 'button', id: 'send-empty-ack', onclick: () => void send(false) }, 'Ack without payload'),
        e.acceptsPayload
          ? h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                onclick: () => {
                  ta.value = ackTemplate(e);
                  drafts.delete(e.envelope_id);
                },
              },
              'Reset template',
            )
          : null,
      ),
    );
    return box;
  };

  const tick = (): void => {
    if (!countdown || !shown) return;
    const elapsed = performance.now() - shown.t;
    const left = ACK_DEADLINE_MS - elapsed;
    countdown.bar.style.width = `${Math.max(0, (left / ACK_DEADLINE_MS) * 100)}%`;
    countdown.bar.parentElement!.classList.toggle('urgent', left < 1000);
    countdown.bar.parentElement!.classList.toggle('over', left <= 0);
    countdown.label.textContent =
      left > 0
        ? `${(left / 1000).toFixed(1)} s left`
        : `deadline passed ${(-left / 1000).toFixed(1)} s ago — an ack now is late`;
  };
  setInterval(tick, 100);

  const show = (e: EnvelopeEntry | undefined): void => {
    shown = e;
    if (!e) {
      body.replaceChildren(placeholder());
      ackBox = undefined;
      countdown = undefined;
      return;
    }
    const tree = jsonTree(e.raw);
    ackBox = renderAck(e);
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
      ackBox,
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
    if (e !== shown || !ackBox) return;
    // Keep the editor (and focus) unless the ack really went out or failed.
    if (editor && !e.ack.frame && e.ack.state !== 'failed') {
      ackBox.dataset['ack'] = e.ack.state;
      const pill = ackBox.querySelector('h3 .ack-pill');
      if (pill) {
        pill.className = `ack-pill s-${e.ack.state}`;
        pill.textContent = e.ack.state;
      }
      return;
    }
    const next = renderAck(e);
    ackBox.replaceWith(next);
    ackBox = next;
  });
  session.on('reset', () => show(undefined));

  show(undefined);
  return { show };
}
