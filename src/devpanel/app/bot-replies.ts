// What the bot answered, newest first: chat.postMessage, response_url posts, and ack payloads sent from
// other connections than this page's.
import { clock, h, isRecord } from './dom.ts';
import { jsonTree } from './json-tree.ts';

export type AddReply = (kind: string, at: number, text: string, body: unknown, context?: string) => void;

/** A reply's text for the list: its `text`, or how many blocks it has. */
export const textOf = (b: unknown): string =>
  isRecord(b)
    ? typeof b['text'] === 'string'
      ? b['text']
      : Array.isArray(b['blocks'])
        ? `[${b['blocks'].length} blocks]`
        : ''
    : typeof b === 'string'
      ? b
      : '';

export function mountBotReplies(root: HTMLElement): AddReply {
  const replies = h('ol', { class: 'replies', id: 'bot-replies', 'aria-label': 'What the bot answered' });
  const repliesEmpty = h(
    'div',
    { class: 'empty-state small' },
    'Bot answers (chat.postMessage, response_url, ack payloads from other connections) show here.',
  );
  root.append(h('div', { class: 'panel-head' }, h('h2', {}, 'Bot replies')), repliesEmpty, replies);
  return (kind, at, text, body, context) => {
    repliesEmpty.hidden = true;
    replies.prepend(
      h(
        'li',
        { class: 'reply', 'data-kind': kind },
        h(
          'div',
          { class: 'reply-head' },
          h('span', { class: 'tag' }, kind),
          h('time', {}, clock(at)),
          context ? h('span', { class: 'muted small' }, context) : null,
        ),
        h('div', { class: 'reply-text' }, text || h('span', { class: 'muted' }, '(no text)')),
        h('details', {}, h('summary', { class: 'small muted' }, 'JSON'), jsonTree(body)),
      ),
    );
    while (replies.children.length > 200) replies.lastElementChild!.remove();
  };
}
