// What can be done again with a received envelope, under its ack in the detail view: resend it as is (a new
// envelope_id), open it in the envelope editor, or have it redelivered as Slack redelivers an events_api envelope
// (retry_attempt + 1, retry_reason "timeout").
import { h, toast } from './dom.ts';
import { redeliveryOf, resendOf, type EnvelopeApi } from './envelope-api.ts';
import type { EnvelopeEditor } from './envelope-editor.ts';
import type { EnvelopeEntry } from './model.ts';
import type { DeliverTo } from './sim-connections.ts';

export function rowActions(opts: {
  api: EnvelopeApi;
  editor: EnvelopeEditor;
  /** The inject form's "Deliver to" and its connection id (null: no such target now). */
  deliverTo(): DeliverTo;
  target(to: DeliverTo): string | undefined | null;
  noTarget(to: DeliverTo): string;
}): (e: EnvelopeEntry) => HTMLElement {
  const send = async (env: Record<string, unknown>, what: string): Promise<void> => {
    const to = opts.deliverTo();
    const target = opts.target(to);
    if (target === null) return toast(opts.noTarget(to), 'error');
    try {
      await opts.api.send(env, target);
      toast(`${what} → ${target ?? 'any connection'}`);
    } catch (x) {
      toast(`${what} failed: ${(x as Error).message}`, 'error');
    }
  };
  return (e) => {
    const isEvent = e.type === 'events_api';
    const next = (e.retryAttempt ?? 0) + 1;
    return h(
      'div',
      { class: 'row row-actions', role: 'group', 'aria-label': 'Send this envelope again' },
      h(
        'button',
        {
          type: 'button',
          id: 'resend',
          title: 'The same envelope with a new envelope_id',
          onclick: () => void send(resendOf(e.raw), 'Resent'),
        },
        'Resend',
      ),
      h(
        'button',
        { type: 'button', id: 'edit-resend', onclick: () => opts.editor.open(resendOf(e.raw), 'Edit and resend') },
        'Edit & resend…',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'redeliver',
          disabled: !isEvent,
          title: isEvent
            ? `As Slack redelivers after a missed ack: new envelope_id, retry_attempt ${next}, retry_reason "timeout"`
            : 'Slack redelivers events_api envelopes only',
          onclick: () => void send(redeliveryOf(e.raw), `Redelivered (retry_attempt ${next})`),
        },
        `Redeliver (retry ${next})`,
      ),
    );
  };
}
