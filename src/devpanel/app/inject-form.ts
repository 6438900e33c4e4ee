// The inject form: an event kind and its text, where to deliver it (this page, the bot or any connection),
// more fields as JSON, how many; sent to the simulator's /_sim/inject.
import { h, isRecord, toast } from './dom.ts';
import type { EnvelopeApi } from './envelope-api.ts';
import { injectFields, KINDS } from './inject-kinds.ts';
import type { DeliverTo, SimConnections } from './sim-connections.ts';
import type { InjectKind, SimApi } from './sim.ts';

export function injectForm(opts: {
  api: SimApi;
  conns: SimConnections;
  /** Filled in: response id -> what was injected (to label response_url replies). */
  injected: Map<string, string>;
  /** Build and send whole envelopes (envelope fields in "More fields", the envelope editor). */
  envelopes?: { api: EnvelopeApi; edit(envelope: Record<string, unknown>, title: string): void };
}): { form: HTMLFormElement; connsInfo: HTMLElement } {
  const { api, conns, injected, envelopes } = opts;
  const kindSel = h('select', { id: 'inject-kind' }, ...KINDS.map((k) => h('option', { value: k.kind }, k.label)));
  const textLabel = h('label', { for: 'inject-text' }, 'Text');
  const text = h('input', { id: 'inject-text', type: 'text', autocomplete: 'off' });
  const textRow = h('div', { class: 'field' }, textLabel, text);
  const command = h('input', {
    id: 'inject-command',
    type: 'text',
    value: '/hello',
    autocomplete: 'off',
    'aria-label': 'Slash command',
  });
  const commandRow = h('div', { class: 'field' }, h('label', { for: 'inject-command' }, 'Command'), command);
  const extra = h('textarea', {
    id: 'inject-extra',
    class: 'code',
    rows: 3,
    spellcheck: 'false',
    placeholder: '{"channel": "C999"}',
  });
  const toSel = h(
    'select',
    { id: 'deliver-to' },
    h('option', { value: 'page' }, 'This page'),
    h('option', { value: 'bot', selected: true }, 'The bot'),
    h('option', { value: 'any' }, 'Any connection'),
  );
  const repeat = h('input', {
    id: 'inject-repeat',
    type: 'number',
    min: 1,
    max: 100,
    value: 1,
    'aria-label': 'How many',
  });
  const connsInfo = h('div', { class: 'muted small', id: 'sim-conns', 'aria-live': 'polite' }, '');

  const syncKind = (): void => {
    const k = KINDS.find((x) => x.kind === kindSel.value)!;
    textLabel.textContent = k.textLabel ?? 'Text';
    text.value = k.text ?? '';
    textRow.hidden = k.textLabel === undefined;
    commandRow.hidden = k.kind !== 'slash_command';
  };
  kindSel.addEventListener('change', syncKind);
  syncKind();

  const inject = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const kind = kindSel.value as InjectKind;
    let fields = injectFields(kind, text.value, command.value);
    if (extra.value.trim()) {
      try {
        const v: unknown = JSON.parse(extra.value);
        if (!isRecord(v)) throw new Error('must be a JSON object');
        fields = { ...fields, ...v };
      } catch (x) {
        toast(`More fields: ${(x as Error).message}`, 'error');
        extra.focus();
        return;
      }
    }
    // Envelope fields (retry_attempt, …) belong on the envelope, not in the event: built, set, then sent whole.
    const envFields: Record<string, unknown> = {};
    for (const k of ENVELOPE_KEYS)
      if (k in fields) {
        envFields[k] = fields[k];
        delete fields[k];
      }
    const to = toSel.value as DeliverTo;
    const connectionId = conns.targetFor(to);
    if (to !== 'any' && !connectionId) {
      toast(conns.noTarget(to), 'error');
      return;
    }
    const n = Math.max(1, Math.min(100, Number(repeat.value) || 1));
    try {
      for (let i = 0; i < n; i++) {
        let env: Record<string, unknown>;
        if (Object.keys(envFields).length && envelopes) {
          env = { ...(await envelopes.api.build(kind, fields)), ...envFields };
          await envelopes.api.send(env, connectionId);
        } else {
          env = await api.inject(kind, fields, connectionId);
          envelopes?.api.noteSent(env, 'inject', connectionId);
        }
        const p = env['payload'];
        const ru = isRecord(p) && typeof p['response_url'] === 'string' ? p['response_url'] : undefined;
        const rid = ru?.split('/response/')[1];
        if (rid)
          injected.set(
            rid,
            `${KINDS.find((k) => k.kind === kind)!.label}${kind === 'slash_command' ? ` ${String(fields['command'])} ${text.value}` : ''}`,
          );
      }
      toast(`Injected ${n > 1 ? `${n}× ` : ''}${kind} → ${connectionId ?? 'any connection'}`);
    } catch (x) {
      toast(`Inject failed: ${(x as Error).message}`, 'error');
    }
  };

  const editFull = async (): Promise<void> => {
    if (!envelopes) return;
    const kind = kindSel.value as InjectKind;
    let fields = injectFields(kind, text.value, command.value);
    let envFields: Record<string, unknown> = {};
    if (extra.value.trim()) {
      try {
        const v: unknown = JSON.parse(extra.value);
        if (!isRecord(v)) throw new Error('must be a JSON object');
        for (const [k, x] of Object.entries(v)) {
          if ((ENVELOPE_KEYS as readonly string[]).includes(k)) envFields = { ...envFields, [k]: x };
          else fields = { ...fields, [k]: x };
        }
      } catch (x) {
        toast(`More fields: ${(x as Error).message}`, 'error');
        extra.focus();
        return;
      }
    }
    try {
      envelopes.edit({ ...(await envelopes.api.build(kind, fields)), ...envFields }, 'New envelope');
    } catch (x) {
      toast(`Could not build the envelope: ${(x as Error).message}`, 'error');
    }
  };

  const form = h(
    'form',
    { class: 'inject', id: 'inject-form', onsubmit: (e: Event) => void inject(e), 'aria-label': 'Inject an event' },
    h('div', { class: 'field' }, h('label', { for: 'inject-kind' }, 'Event'), kindSel),
    commandRow,
    textRow,
    h('div', { class: 'field' }, h('label', { for: 'deliver-to' }, 'Deliver to'), toSel),
    h(
      'details',
      { class: 'more' },
      h('summary', {}, 'More fields (JSON)'),
      h(
        'label',
        { for: 'inject-extra', class: 'small muted' },
        'Merged into the inner event (events) or the payload (others); envelope fields (retry_attempt, retry_reason, accepts_response_payload, envelope_id) go on the envelope.',
      ),
      extra,
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'primary', id: 'inject-send' }, 'Send'),
      h('label', { class: 'small muted', for: 'inject-repeat' }, '×'),
      repeat,
      envelopes
        ? h(
            'button',
            {
              type: 'button',
              id: 'inject-edit',
              title: 'Open this event as a whole envelope in the editor',
              onclick: () => void editFull(),
            },
            'Edit envelope…',
          )
        : null,
    ),
    connsInfo,
  );
  return { form, connsInfo };
}

/** Keys of "More fields" that are the envelope's, not the event's. */
const ENVELOPE_KEYS = ['envelope_id', 'accepts_response_payload', 'retry_attempt', 'retry_reason'] as const;
