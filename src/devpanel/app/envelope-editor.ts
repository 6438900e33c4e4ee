// The full-envelope editor, a modal dialog: the envelope fields (envelope_id, type, accepts_response_payload,
// retry_attempt, retry_reason) and the payload as JSON, checked as the client will check them (envelope-check.ts),
// each error shown next to its field; Send delivers the envelope exactly as written (/_sim/send).
import { h, toast } from './dom.ts';
import type { EnvelopeApi } from './envelope-api.ts';
import { newEnvelopeId } from './envelope-api.ts';
import { checkEnvelope, draftOf, KNOWN_TYPES, type EnvelopeField } from './envelope-check.ts';
import type { DeliverTo } from './sim-connections.ts';

// Slack's retry reasons (X-Slack-Retry-Reason); Socket Mode sends "timeout" after a missed ack.
const RETRY_REASONS = [
  'timeout',
  'http_timeout',
  'http_error',
  'connection_failed',
  'too_many_redirects',
  'ssl_error',
  'unknown_error',
];

export interface EnvelopeEditor {
  /** Open the editor on `envelope` (a copy is edited). */
  open(envelope: Record<string, unknown>, title?: string): void;
  readonly dialog: HTMLDialogElement;
}

export function envelopeEditor(opts: {
  api: EnvelopeApi;
  /** Where "Deliver to" sends: the connection id, or undefined for any connection (null: no such target). */
  target(to: DeliverTo): string | undefined | null;
  noTarget(to: DeliverTo): string;
  /** The inject form's current "Deliver to", the editor's starting choice. */
  defaultTo(): DeliverTo;
}): EnvelopeEditor {
  const input = (id: string, attrs: Record<string, string | number | boolean> = {}) =>
    h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
  const envId = input('ee-envelope-id', { class: 'mono' });
  const type = input('ee-type', { list: 'ee-types' });
  const accepts = h('input', { id: 'ee-accepts', type: 'checkbox' });
  const retry = input('ee-retry-attempt', { type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const reason = input('ee-retry-reason', { list: 'ee-reasons' });
  const payload = h('textarea', { id: 'ee-payload', class: 'code', rows: 14, spellcheck: 'false' });
  const to = h(
    'select',
    { id: 'ee-deliver-to' },
    h('option', { value: 'bot' }, 'The bot'),
    h('option', { value: 'page' }, 'This page'),
    h('option', { value: 'any' }, 'Any connection'),
  );
  const summary = h('div', { class: 'ee-summary error small', id: 'ee-errors', role: 'alert' });
  const warn = h('div', { class: 'ee-warn small', id: 'ee-warnings', 'aria-live': 'polite' });
  const fieldEls: Record<EnvelopeField, HTMLInputElement | HTMLTextAreaElement> = {
    envelope_id: envId,
    type,
    accepts_response_payload: accepts,
    retry_attempt: retry,
    retry_reason: reason,
    payload,
  };
  const errEls = {} as Record<EnvelopeField, HTMLElement>;
  const row = (field: EnvelopeField, label: string, control: HTMLElement, extra?: HTMLElement): HTMLElement => {
    const err = (errEls[field] = h('div', { class: 'field-error error small', id: `${control.id}-error` }));
    control.setAttribute('aria-describedby', err.id);
    return h(
      'div',
      { class: `field ee-${field}` },
      h('label', { for: control.id }, label),
      h('div', { class: 'ee-control' }, control, extra ?? null),
      err,
    );
  };
  let rest: Record<string, unknown> = {};

  const form = h(
    'form',
    { method: 'dialog', class: 'ee-form', 'aria-labelledby': 'ee-title', novalidate: true },
    h('h2', { id: 'ee-title' }, 'Edit envelope'),
    h(
      'p',
      { class: 'muted small' },
      'Every field of the envelope, checked by the client’s own parser before it is sent. Sent as written: one delivery.',
    ),
    h('datalist', { id: 'ee-types' }, ...KNOWN_TYPES.map((t) => h('option', { value: t }))),
    h('datalist', { id: 'ee-reasons' }, ...RETRY_REASONS.map((t) => h('option', { value: t }))),
    row(
      'envelope_id',
      'envelope_id',
      envId,
      h(
        'button',
        { type: 'button', class: 'ghost small', id: 'ee-new-id', onclick: () => (envId.value = newEnvelopeId()) },
        'New id',
      ),
    ),
    row('type', 'type', type),
    row('accepts_response_payload', 'accepts_response_payload', accepts),
    row('retry_attempt', 'retry_attempt', retry),
    row('retry_reason', 'retry_reason', reason),
    row('payload', 'payload (JSON)', payload),
    h('div', { class: 'field' }, h('label', { for: 'ee-deliver-to' }, 'Deliver to'), to),
    summary,
    warn,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary', id: 'ee-send', value: 'send' }, 'Send envelope'),
      h('button', { type: 'button', id: 'ee-check', onclick: () => void check() }, 'Check'),
      h('button', { type: 'button', class: 'ghost', id: 'ee-cancel', onclick: () => dialog.close() }, 'Cancel'),
    ),
  );
  const dialog = h('dialog', { id: 'envelope-editor', class: 'ee', 'aria-labelledby': 'ee-title' }, form);
  document.body.append(dialog);

  const check = () => {
    const res = checkEnvelope({
      envelope_id: envId.value,
      type: type.value,
      accepts_response_payload: accepts.checked,
      retry_attempt: retry.value,
      retry_reason: reason.value,
      payload: payload.value,
      rest,
    });
    for (const f of Object.keys(errEls) as EnvelopeField[]) {
      const mine = res.errors.filter((e) => e.field === f);
      errEls[f].textContent = mine.map((e) => e.message).join(' ');
      fieldEls[f].setAttribute('aria-invalid', String(mine.length > 0));
    }
    summary.textContent = res.errors.length
      ? `Not sent: ${res.errors.length} problem${res.errors.length > 1 ? 's' : ''} — ${res.errors.map((e) => e.message).join(' ')}`
      : '';
    warn.textContent = res.warnings.join(' ');
    return res;
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const res = check();
    if (!res.envelope) {
      const first = res.errors[0];
      if (first) fieldEls[first.field].focus();
      return;
    }
    const choice = to.value as DeliverTo;
    const target = opts.target(choice);
    if (target === null) {
      summary.textContent = opts.noTarget(choice);
      return;
    }
    const env = res.envelope;
    opts.api.send(env, target).then(
      () => {
        dialog.close();
        toast(`Sent envelope ${String(env['envelope_id']).slice(0, 13)}… → ${target ?? 'any connection'}`);
      },
      (x: unknown) => (summary.textContent = `Send failed: ${(x as Error).message}`),
    );
  });

  const open = (envelope: Record<string, unknown>, title = 'Edit envelope'): void => {
    const d = draftOf(structuredClone(envelope));
    envId.value = d.envelope_id;
    type.value = d.type;
    accepts.checked = d.accepts_response_payload;
    retry.value = d.retry_attempt;
    reason.value = d.retry_reason;
    payload.value = d.payload;
    rest = d.rest ?? {};
    to.value = opts.defaultTo();
    (form.querySelector('#ee-title') as HTMLElement).textContent = title;
    for (const f of Object.keys(errEls) as EnvelopeField[]) {
      errEls[f].textContent = '';
      fieldEls[f].removeAttribute('aria-invalid');
    }
    summary.textContent = '';
    warn.textContent = '';
    if (!dialog.open) dialog.showModal();
    envId.focus();
  };

  return { open, dialog };
}
