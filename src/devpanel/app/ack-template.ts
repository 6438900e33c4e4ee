// The manual ack editor's starting payload, by what the envelope is (slash command, view submission, options).
import { isRecord } from './dom.ts';
import type { EnvelopeEntry } from './model.ts';

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
