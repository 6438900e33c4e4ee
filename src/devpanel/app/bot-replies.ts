// What the bot answered, newest first: chat.postMessage, response_url posts, its other Web API calls (views,
// updates, reactions, reads; an error or an unmodeled method says so), and ack payloads sent from other
// connections than this page's.
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

/** One Web API call (a sim `api_call` record) as a reply line: what it carried, and how it was answered. */
export function apiCallText(d: Record<string, unknown>): string {
  const args = isRecord(d['args']) ? d['args'] : {};
  const view = isRecord(args['view']) ? args['view'] : undefined;
  const title = view && isRecord(view['title']) ? view['title']['text'] : undefined;
  const what =
    textOf(args) ||
    (typeof title === 'string' ? `view “${title}”` : '') ||
    ['name', 'user', 'user_id', 'channel', 'view_id', 'external_id']
      .filter((k) => typeof args[k] === 'string')
      .map((k) => `${k} ${String(args[k])}`)
      .join(' · ');
  const outcome = d['ok']
    ? d['modeled'] === false
      ? 'ok (not modeled by the simulator)'
      : 'ok'
    : `error ${String(d['error'])}`;
  return `${what ? `${what} → ` : ''}${outcome}`;
}

export function mountBotReplies(root: HTMLElement): AddReply {
  const replies = h('ol', { class: 'replies', id: 'bot-replies', 'aria-label': 'What the bot answered' });
  const repliesEmpty = h(
    'div',
    { class: 'empty-state small' },
    'Bot answers (chat.postMessage, response_url, its other Web API calls, ack payloads from other connections) show here.',
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
