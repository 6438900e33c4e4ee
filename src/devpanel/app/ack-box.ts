// The ack section of the detail view: the ack's state and latency, the frame that was sent, or (while the page
// holds the client's ack function) the manual ack editor with the 3 s deadline counting down.
import { ackTemplate } from './ack-template.ts';
import { confirmable } from './ack-confirm.ts';
import { ackHeadline } from './ack-headline.ts';
import { clock, h, isRecord, toast } from './dom.ts';
import { jsonTree } from './json-tree.ts';
import { ACK_DEADLINE_MS, type EnvelopeEntry } from './model.ts';

export interface AckControl {
  /** The client's ack function is still unused for this envelope. */
  canAck(e: EnvelopeEntry): boolean;
  ack(e: EnvelopeEntry, payload: Record<string, unknown> | undefined): Promise<void>;
  /** Buttons to send the envelope again (row-actions.ts), shown under its ack. */
  actions?: (e: EnvelopeEntry) => HTMLElement;
}

export interface AckBox {
  /** The ack section for this envelope. */
  render(e: EnvelopeEntry): HTMLElement;
  /** The section after the envelope's ack changed: the same one, or its replacement. */
  refresh(box: HTMLElement, e: EnvelopeEntry): HTMLElement;
  /** Move the deadline countdown on, for the envelope shown (none: nothing to count). */
  tick(shown: EnvelopeEntry | undefined): void;
}

export function ackBox(control: AckControl): AckBox {
  let editor: HTMLTextAreaElement | undefined;
  let countdown: { bar: HTMLElement; label: HTMLElement } | undefined;
  // The shown envelope's "sent N ms ago" moves on with the clock.
  let headline: { e: EnvelopeEntry; after: HTMLElement } | undefined;
  const drafts = new Map<string, string>(); // keep edits when moving between envelopes

  const render = (e: EnvelopeEntry): HTMLElement => {
    const box = renderAck(e);
    if (control.actions) box.append(control.actions(e));
    return box;
  };

  const renderAck = (e: EnvelopeEntry): HTMLElement => {
    countdown = undefined;
    editor = undefined;
    const box = h('section', { class: 'ack-box', 'aria-labelledby': 'ack-h', 'data-ack': e.ack.state });
    const head = ackHeadline(e, confirmable());
    const after = h('span', { class: 'muted', 'data-field': 'ack-after' }, head.after);
    headline = { e, after };
    box.append(
      h(
        'h3',
        { id: 'ack-h' },
        'Ack ',
        h('span', { class: `ack-pill s-${e.ack.state}`, 'data-field': 'ack-pill' }, head.pill),
        after,
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
      // The client's side, labelled as such: when it wrote the frame, not whether anyone read it.
      box.append(
        h(
          'div',
          { class: 'muted small', 'data-field': 'ack-written' },
          `This page's client: ${head.written ?? 'written to the socket'}${e.ack.at ? `, at ${clock(e.ack.at)}` : ''}. The frame:`,
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
    tick(e);
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

  const tick = (shown: EnvelopeEntry | undefined): void => {
    if (headline && headline.e === shown && shown.ack.state === 'sent') {
      const text = ackHeadline(shown, confirmable()).after;
      if (headline.after.textContent !== text) headline.after.textContent = text;
    }
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

  const refresh = (box: HTMLElement, e: EnvelopeEntry): HTMLElement => {
    // Keep the editor (and focus) unless the ack really went out or failed.
    if (editor && !e.ack.frame && e.ack.state !== 'failed') {
      box.dataset['ack'] = e.ack.state;
      const pill = box.querySelector('h3 .ack-pill');
      const head = ackHeadline(e, confirmable());
      if (pill) {
        pill.className = `ack-pill s-${e.ack.state}`;
        pill.textContent = head.pill;
      }
      const after = box.querySelector('h3 [data-field="ack-after"]');
      if (after) after.textContent = head.after;
      return box;
    }
    const next = render(e);
    box.replaceWith(next);
    return next;
  };

  return { render, refresh, tick };
}
