// The simulator's feed, newest first and filterable: every delivery and ack (the bot's included), connection
// changes, faults, missed deadlines, bad frames, connection opens and Web API calls. It keeps the simulator's
// connection list current and passes what the bot answered (posts, Web API calls, acks) on to the replies.
import { apiCallText, textOf, type AddReply } from './bot-replies.ts';
import { clock, fmtMs, h, isRecord, toast } from './dom.ts';
import { mountAllDeliveries } from './deliveries-view.ts';
import { panelBus } from './panel-bus.ts';
import type { SimConnections, SimConnState } from './sim-connections.ts';
import { SimFeed, type FeedRecord } from './sim.ts';

function connState(c: Record<string, unknown>): SimConnState {
  return {
    state: String(c['state']),
    ...(typeof c['helloAt'] === 'number' ? { helloAt: c['helloAt'] } : {}),
    ...(typeof c['label'] === 'string' ? { label: c['label'] } : {}),
    ...(typeof c['silentSince'] === 'number' ? { silentSince: c['silentSince'] } : {}),
  };
}

/** A delivery, ack or missed deadline: a button that opens that envelope's delivery in the detail. */
function openButton(id: unknown): HTMLElement | null {
  if (typeof id !== 'string' || id === '') return null;
  return h(
    'button',
    {
      type: 'button',
      class: 'ghost small f-open',
      'aria-label': `Open envelope ${id}`,
      onclick: () => {
        if (!panelBus.openDelivery?.(id)) toast('That envelope is no longer in the list', 'error');
      },
    },
    'Open',
  );
}

export function mountFeed(opts: {
  root: HTMLElement;
  url: string;
  conns: SimConnections;
  /** response id -> what was injected (to label response_url replies). */
  injected: Map<string, string>;
  addReply: AddReply;
  /** The simulator's connection list changed. */
  onConns: () => void;
  onFeedCount?: ((n: number) => void) | undefined;
}): void {
  const { conns, injected, addReply, onConns, onFeedCount, url } = opts;
  const feedFilter = h(
    'select',
    { id: 'feed-filter', 'aria-label': 'Filter the simulator feed' },
    ...['all', 'delivery', 'ack', 'posted', 'api_call', 'connection', 'fault', 'missed', 'bad_frame', 'open'].map((v) =>
      h('option', { value: v === 'all' ? '' : v }, v === 'all' ? 'All records' : v),
    ),
  );
  const feedStatus = h('span', { class: 'muted small', id: 'feed-status' }, 'connecting…');
  const feedList = h('ol', { class: 'feed-list', id: 'feed-list', 'aria-label': 'Simulator feed' });
  opts.root.append(h('div', { class: 'toolbar' }, feedFilter, feedStatus), feedList);
  // Every envelope delivered to any connection, as rows to open (a tab of its own, next to this feed's).
  mountAllDeliveries(opts.root, conns);
  feedFilter.addEventListener('change', () => {
    for (const li of feedList.children)
      (li as HTMLElement).hidden = !!feedFilter.value && (li as HTMLElement).dataset['event'] !== feedFilter.value;
  });
  let feedCount = 0;

  const who = (id: unknown): HTMLElement | null => {
    if (typeof id !== 'string') return null;
    const mine = conns.pageIds().has(id);
    const label = conns.byId.get(id)?.label;
    const tag = mine ? 'page' : label;
    return h(
      'span',
      {
        class: `who ${mine ? 'page' : 'other'}`,
        title: mine
          ? "this page's connection"
          : label
            ? `opened by the dev setup (${label})`
            : 'another connection (not opened by this dev setup)',
      },
      `${id}${tag ? ` · ${tag}` : ''}`,
    );
  };

  const feedLine = (r: FeedRecord): [string, HTMLElement | null] => {
    const d = r.data;
    switch (r.event) {
      case 'delivery':
        return [
          `${String(d['type'])}${d['retry_attempt'] ? ` retry #${String(d['retry_attempt'])}` : ''} ${String(d['envelope_id'])}`,
          who(d['connectionId']),
        ];
      case 'ack':
        return [
          `ack ${String(d['envelope_id'])} in ${fmtMs(Number(d['latencyMs']))}${d['payload'] !== undefined ? ' with payload' : ''}${d['duplicate'] ? ' (duplicate)' : ''}${d['late'] ? ' (late)' : ''}`,
          who(d['connectionId']),
        ];
      case 'posted':
        return [`${String(d['kind'])}: ${textOf(d['body']).slice(0, 80)}`, null];
      case 'api_call':
        return [`${String(d['method'])}: ${apiCallText(d).slice(0, 80)}`, null];
      case 'connection':
        return [`${String(d['id'])} ${String(d['change'])} → ${String(d['state'])}`, who(d['id'])];
      case 'fault':
        return [
          `${String(d['fault'])}${Array.isArray(d['connectionIds']) ? ` on ${d['connectionIds'].join(', ') || '(none)'}` : ''}`,
          null,
        ];
      case 'missed':
        return [`missed deadline ${String(d['type'])} ${String(d['envelope_id'])}`, who(d['connectionId'])];
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
      conns.byId.clear();
      if (Array.isArray(d['connections'])) {
        for (const c of d['connections'])
          if (isRecord(c) && typeof c['id'] === 'string') conns.byId.set(c['id'], connState(c));
      }
      onConns();
      panelBus.publishSim(r);
      panelBus.publishFeed(true);
      return;
    }
    if (r.event === 'connection' && typeof d['id'] === 'string') {
      conns.byId.set(d['id'], connState(d));
      onConns();
    }
    panelBus.publishSim(r);
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
    // chat.postMessage already shows through its `posted` record; every other call the bot makes shows here.
    if (r.event === 'api_call' && d['method'] !== 'chat.postMessage') {
      const args = isRecord(d['args']) ? d['args'] : {};
      addReply(
        String(d['method']),
        r.at,
        apiCallText(d),
        { args: d['args'], response: d['response'] },
        typeof args['channel'] === 'string' ? `in ${args['channel']}` : undefined,
      );
    }
    if (
      r.event === 'ack' &&
      d['payload'] !== undefined &&
      typeof d['connectionId'] === 'string' &&
      !conns.pageIds().has(d['connectionId'])
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
      openButton(d['envelope_id']),
      whoEl ?? '',
    );
    li.hidden = !!feedFilter.value && feedFilter.value !== r.event;
    feedList.prepend(li);
    while (feedList.children.length > 1000) feedList.lastElementChild!.remove();
    onFeedCount?.(++feedCount);
  };

  const feed = new SimFeed(url, onRecord, (up) => {
    feedStatus.textContent = up ? `live · ${url}` : 'reconnecting…';
    conns.feedChanged(up);
    onConns();
    // Up only once the first frame (the full state) is read: see onRecord.
    if (!up) panelBus.publishFeed(false);
  });
  feed.start();
}
