// Simulator side of the panel: inject events (to this page, the bot, or any connection), trigger faults,
// watch the simulator's feed (every delivery and ack, the bot's included) and what the bot answered.
import { clock, fmtMs, h, isRecord, toast } from './dom.ts';
import { jsonTree } from './json-tree.ts';
import type { Session } from './session.ts';
import { SimApi, SimFeed, type FaultName, type FeedRecord, type InjectKind } from './sim.ts';

const KINDS: Array<{ kind: InjectKind; label: string; text?: string; textLabel?: string }> = [
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

export type DeliverTo = 'page' | 'bot' | 'any';

export interface SimControls {
  api: SimApi;
  /** Where "this page" deliveries go: the page's newest live simulator connection. */
  targetFor(to: DeliverTo): string | undefined;
  /** Why there is no target for `to` ('page' or 'bot'), to tell the user. */
  noTarget(to: DeliverTo): string;
}

export function mountSimulator(opts: {
  controlsRoot: HTMLElement;
  feedRoot: HTMLElement;
  repliesRoot: HTMLElement;
  session: Session;
  simUrl: string;
  feedUrl: string;
  onFeedCount?: (n: number) => void;
}): SimControls {
  const { session } = opts;
  const api = new SimApi(opts.simUrl);
  const simConns = new Map<string, { state: string; helloAt?: number }>();
  const injected = new Map<string, string>(); // response id -> what was injected (to label response_url replies)

  const pageConnIds = (): Set<string> => session.simConnectionIds();
  const pageLiveConn = (): string | undefined => {
    for (const s of session.liveSockets())
      if (s.simConnectionId && simConns.get(s.simConnectionId)?.state !== 'closed') return s.simConnectionId;
    return undefined;
  };
  const botLiveConns = (): string[] => {
    const mine = pageConnIds();
    return [...simConns.entries()].filter(([id, c]) => c.state === 'live' && !mine.has(id)).map(([id]) => id);
  };
  const targetFor = (to: DeliverTo): string | undefined =>
    to === 'page' ? pageLiveConn() : to === 'bot' ? botLiveConns().at(-1) : undefined;
  const noTarget = (to: DeliverTo): string =>
    to === 'page'
      ? 'This page has no live simulator connection (connect first).'
      : 'No bot connection is live: start the example bot, or deliver to any connection.';

  // ------------------------------------------------------------------ inject form
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
    h('option', { value: 'bot' }, 'The bot'),
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
    const to = toSel.value as DeliverTo;
    const connectionId = targetFor(to);
    if (to !== 'any' && !connectionId) {
      toast(noTarget(to), 'error');
      return;
    }
    const n = Math.max(1, Math.min(100, Number(repeat.value) || 1));
    try {
      for (let i = 0; i < n; i++) {
        const env = await api.inject(kind, fields, connectionId);
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

  // ------------------------------------------------------------------ faults
  const faultTarget = h(
    'select',
    { id: 'fault-target', 'aria-label': 'Fault target' },
    h('option', { value: 'page' }, "This page's connection"),
    h('option', { value: 'all' }, 'Every connection'),
  );
  const fault = async (name: FaultName, extraOpts: { warning?: boolean; frame?: string } = {}): Promise<void> => {
    const per = name !== 'link_disabled' && name !== 'link_enabled';
    let connectionId: string | undefined;
    if (per && faultTarget.value === 'page') {
      connectionId = pageLiveConn();
      if (!connectionId) {
        toast('This page has no live simulator connection.', 'error');
        return;
      }
    }
    try {
      await api.fault(name, { ...(connectionId ? { connectionId } : {}), ...extraOpts });
      toast(`Fault: ${name}${connectionId ? ` on ${connectionId}` : ''}`);
    } catch (x) {
      toast(`Fault failed: ${(x as Error).message}`, 'error');
    }
  };
  const fb = (id: string, label: string, title: string, fn: () => void, cls = '') =>
    h('button', { type: 'button', id, class: cls, title, onclick: fn }, label);

  opts.controlsRoot.append(
    h('div', { class: 'panel-head' }, h('h2', {}, 'Simulator')),
    h(
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
          'Merged into the inner event (events) or the payload (others).',
        ),
        extra,
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', id: 'inject-send' }, 'Send'),
        h('label', { class: 'small muted', for: 'inject-repeat' }, '×'),
        repeat,
      ),
      connsInfo,
    ),
    h('h3', {}, 'Faults'),
    h('div', { class: 'field' }, h('label', { for: 'fault-target' }, 'Target'), faultTarget),
    h(
      'div',
      { class: 'fault-grid' },
      fb(
        'fault-refresh',
        'Refresh',
        'warning, then refresh_requested, then close',
        () => void fault('refresh', { warning: true }),
      ),
      fb(
        'fault-refresh-now',
        'Refresh now',
        'refresh_requested without a warning',
        () => void fault('refresh', { warning: false }),
      ),
      fb('fault-drop', 'Drop', 'abrupt TCP close, no close frame', () => void fault('drop')),
      fb('fault-half-open', 'Half-open', 'socket stays open but goes silent', () => void fault('half_open')),
      fb(
        'fault-silent-death',
        'Silent death',
        'the path dies; Slack keeps routing into it until its ping gives up',
        () => void fault('silent_death'),
      ),
      fb('fault-close', 'Close (1011)', 'a close frame with no disconnect frame first', () => void fault('close')),
      fb('fault-malformed', 'Malformed frame', 'send a frame that is not valid JSON', () => void fault('malformed')),
      fb(
        'fault-link-disabled',
        'Link disabled',
        'link_disabled on every connection; new ones refused',
        () => void fault('link_disabled'),
        'danger',
      ),
      fb('fault-link-enabled', 'Re-enable link', 'accept connections again', () => void fault('link_enabled')),
    ),
  );

  // ------------------------------------------------------------------ bot replies
  const replies = h('ol', { class: 'replies', id: 'bot-replies', 'aria-label': 'What the bot answered' });
  const repliesEmpty = h(
    'div',
    { class: 'empty-state small' },
    'Bot answers (chat.postMessage, response_url, ack payloads from other connections) show here.',
  );
  opts.repliesRoot.append(h('div', { class: 'panel-head' }, h('h2', {}, 'Bot replies')), repliesEmpty, replies);
  const addReply = (kind: string, at: number, text: string, body: unknown, context?: string): void => {
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
  const textOf = (b: unknown): string =>
    isRecord(b)
      ? typeof b['text'] === 'string'
        ? b['text']
        : Array.isArray(b['blocks'])
          ? `[${b['blocks'].length} blocks]`
          : ''
      : typeof b === 'string'
        ? b
        : '';

  // ------------------------------------------------------------------ simulator feed
  const feedFilter = h(
    'select',
    { id: 'feed-filter', 'aria-label': 'Filter the simulator feed' },
    ...['all', 'delivery', 'ack', 'posted', 'connection', 'fault', 'missed', 'bad_frame', 'open'].map((v) =>
      h('option', { value: v === 'all' ? '' : v }, v === 'all' ? 'All records' : v),
    ),
  );
  const feedStatus = h('span', { class: 'muted small', id: 'feed-status' }, 'connecting…');
  const feedList = h('ol', { class: 'feed-list', id: 'feed-list', 'aria-label': 'Simulator feed' });
  opts.feedRoot.append(h('div', { class: 'toolbar' }, feedFilter, feedStatus), feedList);
  feedFilter.addEventListener('change', () => {
    for (const li of feedList.children)
      (li as HTMLElement).hidden = !!feedFilter.value && (li as HTMLElement).dataset['event'] !== feedFilter.value;
  });
  let feedCount = 0;

  const who = (id: unknown): HTMLElement | null => {
    if (typeof id !== 'string') return null;
    const mine = pageConnIds().has(id);
    return h(
      'span',
      {
        class: `who ${mine ? 'page' : 'other'}`,
        title: mine ? "this page's connection" : 'another connection (the bot?)',
      },
      `${id}${mine ? ' · page' : ''}`,
    );
  };

  const feedLine = (r: FeedRecord): [string, HTMLElement | null] => {
    const d = r.data;
    switch (r.event) {
      case 'delivery':
        return [
          `${String(d['type'])}${d['retry_attempt'] ? ` retry #${String(d['retry_attempt'])}` : ''} ${String(d['envelope_id']).slice(0, 8)}…`,
          who(d['connectionId']),
        ];
      case 'ack':
        return [
          `ack ${String(d['envelope_id']).slice(0, 8)}… in ${fmtMs(Number(d['latencyMs']))}${d['payload'] !== undefined ? ' with payload' : ''}${d['duplicate'] ? ' (duplicate)' : ''}${d['late'] ? ' (late)' : ''}`,
          who(d['connectionId']),
        ];
      case 'posted':
        return [`${String(d['kind'])}: ${textOf(d['body']).slice(0, 80)}`, null];
      case 'connection':
        return [`${String(d['id'])} ${String(d['change'])} → ${String(d['state'])}`, who(d['id'])];
      case 'fault':
        return [
          `${String(d['fault'])}${Array.isArray(d['connectionIds']) ? ` on ${d['connectionIds'].join(', ') || '(none)'}` : ''}`,
          null,
        ];
      case 'missed':
        return [
          `missed deadline ${String(d['type'])} ${String(d['envelope_id']).slice(0, 8)}…`,
          who(d['connectionId']),
        ];
      case 'bad_frame':
        return [`bad client frame (${String(d['reason'])})`, who(d['connectionId'])];
      case 'open':
        return [
          `apps.connections.open → ${d['ok'] ? 'ok' : `${String(d['status'])} ${String(d['error'] ?? '')}`}`,
          null,
        ];
      default:
        return [r.event, null];
    }
  };

  const onRecord = (r: FeedRecord): void => {
    const d = r.data;
    if (r.event === 'state') {
      simConns.clear();
      if (Array.isArray(d['connections'])) {
        for (const c of d['connections'])
          if (isRecord(c) && typeof c['id'] === 'string') simConns.set(c['id'], { state: String(c['state']) });
      }
      renderConns();
      return;
    }
    if (r.event === 'connection' && typeof d['id'] === 'string') {
      simConns.set(d['id'], { state: String(d['state']) });
      renderConns();
    }
    if (r.event === 'posted') {
      const rid = typeof d['responseId'] === 'string' ? d['responseId'] : undefined;
      addReply(
        String(d['kind']),
        r.at,
        textOf(d['body']),
        d['body'],
        rid
          ? `to ${injected.get(rid) ?? `response ${rid.slice(0, 6)}…`}`
          : isRecord(d['body']) && d['body']['channel']
            ? `in ${String(d['body']['channel'])}`
            : undefined,
      );
    }
    if (
      r.event === 'ack' &&
      d['payload'] !== undefined &&
      typeof d['connectionId'] === 'string' &&
      !pageConnIds().has(d['connectionId'])
    ) {
      addReply('ack payload', r.at, textOf(d['payload']), d['payload'], `from ${d['connectionId']}`);
    }
    const [line, whoEl] = feedLine(r);
    const li = h(
      'li',
      { class: `feed-row e-${r.event}`, 'data-event': r.event },
      h('time', {}, clock(r.at)),
      h('span', { class: 'f-event' }, r.event),
      h('span', { class: 'f-line' }, line),
      whoEl ?? '',
    );
    li.hidden = !!feedFilter.value && feedFilter.value !== r.event;
    feedList.prepend(li);
    while (feedList.children.length > 1000) feedList.lastElementChild!.remove();
    opts.onFeedCount?.(++feedCount);
  };

  let feedUp = false;
  const renderConns = (): void => {
    if (!feedUp) {
      connsInfo.textContent = 'Waiting for the simulator feed…';
      return;
    }
    const live = [...simConns.entries()].filter(([, c]) => c.state !== 'closed');
    const mine = pageConnIds();
    connsInfo.textContent = live.length
      ? `Open on the simulator: ${live.map(([id, c]) => `${id}${mine.has(id) ? ' (page)' : ''} ${c.state}`).join(', ')}`
      : 'No connection open on the simulator.';
  };
  session.on('sockets', () => renderConns());

  const feed = new SimFeed(opts.feedUrl, onRecord, (up) => {
    feedStatus.textContent = up ? `live · ${opts.feedUrl}` : 'reconnecting…';
    if (!up) {
      // Without the feed nothing here is known any more (the simulator may be gone): show no stale "live"
      // connections, and "the bot" has no target. The feed's first frame on reconnect is the full state.
      simConns.clear();
    }
    feedUp = up;
    renderConns();
  });
  feed.start();

  return { api, targetFor, noTarget };
}
