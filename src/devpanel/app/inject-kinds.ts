// The events the panel can inject (label, starting text) and the fields each sends to the simulator.
import type { InjectKind } from './sim.ts';

export const KINDS: Array<{ kind: InjectKind; label: string; text?: string; textLabel?: string }> = [
  { kind: 'message', label: 'Message', text: 'hello from the dev panel', textLabel: 'Text' },
  { kind: 'app_mention', label: 'Mention (@bot)', text: 'hi there', textLabel: 'Text after @bot' },
  { kind: 'slash_command', label: 'Slash command', text: 'world', textLabel: 'Command text' },
  { kind: 'block_actions', label: 'Button click', text: 'clicked', textLabel: 'Button value' },
  { kind: 'view_submission', label: 'View submission' },
  { kind: 'block_suggestion', label: 'Block suggestion', text: 'que', textLabel: 'Typed value' },
  { kind: 'reaction_added', label: 'Reaction', text: 'thumbsup', textLabel: 'Emoji name' },
  { kind: 'shortcut', label: 'Shortcut', text: 'sim_shortcut', textLabel: 'callback_id' },
  { kind: 'view_closed', label: 'View closed' },
];

/** The fields /_sim/inject merges into the event (events_api) or payload (others). */
export function injectFields(kind: InjectKind, text: string, command: string): Record<string, unknown> {
  switch (kind) {
    case 'message':
      return { text };
    case 'app_mention':
      return { text: `<@U0BOT> ${text}` };
    case 'slash_command':
      return { command: command.startsWith('/') ? command : `/${command}`, text };
    case 'block_actions':
      return {
        actions: [
          {
            action_id: 'sim_button',
            block_id: 'sim_block',
            type: 'button',
            value: text,
            text: { type: 'plain_text', text: 'Click' },
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
    case 'view_submission':
    case 'view_closed':
      return {};
    case 'block_suggestion':
      return { value: text };
    case 'reaction_added':
      return { reaction: text.replace(/:/g, '') || 'thumbsup' };
    case 'shortcut':
      return { callback_id: text || 'sim_shortcut' };
  }
}
