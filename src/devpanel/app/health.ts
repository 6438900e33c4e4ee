// Health view: what a readiness/liveness probe of each client sees (client.health()), refreshed every second —
// this page's own client, and the bot's, which the dev panel server relays from the bot's createHealthHandler().
import type { HealthReport } from '../../index.ts';
import { fmtMs, h } from './dom.ts';

export interface HealthSource {
  /** 'page' or 'bot': the card's id is `health-<key>`. */
  key: string;
  title: string;
  /** The current report, or null (no client / not reachable), or a line saying why not. */
  read(): Promise<HealthReport | null | string>;
  /**
   * Where the simulator disagrees with the report (conn-watch.ts: the connection half-open or its path dead, acks
   * unconfirmed), or undefined. The report is the client's own belief; a browser client cannot ping to learn better.
   */
  disagreement?: () => string | undefined;
}

const ago = (now: number, at: number | null | undefined): string => {
  if (!at) return 'never';
  const ms = Math.max(0, now - at);
  return `${ms < 1000 ? fmtMs(ms) : `${(ms / 1000).toFixed(ms < 60_000 ? 1 : 0)} s`} ago`;
};

function card(src: HealthSource, r: HealthReport | null | string): HTMLElement {
  const why = typeof r === 'object' && r ? src.disagreement?.() : undefined;
  const root = h('section', {
    class: 'health-card',
    id: `health-${src.key}`,
    'data-status': typeof r === 'object' && r ? r.status : 'none',
    'data-sim': why ? 'warning' : null,
  });
  const head = h('div', { class: 'health-head' }, h('h3', {}, src.title));
  root.append(head);
  if (!r || typeof r === 'string') {
    root.append(h('div', { class: 'muted small' }, r || 'no client'));
    return root;
  }
  const now = r.at;
  head.firstElementChild!.append(h('span', { class: 'muted small' }, ` · started ${ago(now, r.startedAt)}`));
  head.append(
    // The simulator disagrees: its word comes first, the client's report is labelled as the client's.
    ...(why
      ? [
          h('span', { class: 'health-status sim-warn', 'data-field': 'sim-status' }, 'not heard (simulator)'),
          h('span', { class: 'muted small' }, 'client says'),
        ]
      : []),
    h('span', { class: `health-status ${r.status}`, 'data-field': 'status' }, r.status),
    h('span', { class: `flag ${r.ready ? 'on' : 'off'}`, title: 'readiness: at least one live connection' }, 'ready'),
    h(
      'span',
      { class: `flag ${r.live ? 'on' : 'off'}`, title: 'liveness: not stopped by a fatal error nor down too long' },
      'live',
    ),
  );
  const conns = h(
    'ul',
    { class: 'health-conns' },
    ...r.connections.map((c) =>
      h(
        'li',
        { 'data-conn': c.id },
        h('span', { class: 'mono' }, c.id),
        ` slot ${c.slot} · `,
        h('span', { class: c.dead ? 'error' : '' }, c.dead ? 'dead' : c.state),
        c.draining ? ' · replacing' : '',
        ` · last frame ${ago(now, c.lastFrameAt)}`,
        c.unacked ? ` · ${c.unacked} unacked` : '',
      ),
    ),
  );
  const rc = r.lastReconnect;
  const err = r.lastError;
  root.append(
    h(
      'dl',
      { class: 'kv health-kv' },
      why ? h('dt', { class: 'warn-text' }, 'simulator') : null,
      why
        ? h(
            'dd',
            { class: 'warn-text', 'data-field': 'sim' },
            `${why}: the client's report below cannot tell (a browser cannot ping). Replace the connection from the top bar.`,
          )
        : null,
      h('dt', {}, 'live'),
      h(
        'dd',
        {},
        h('b', { 'data-field': 'live' }, `${r.liveConnections} / ${r.poolSize}`),
        ' · acks in flight ',
        h('b', { 'data-field': 'acks' }, String(r.acksInFlight)),
        ' · ',
        h('span', { 'data-field': 'state' }, r.state),
      ),
      h('dt', {}, 'last reconnect'),
      h(
        'dd',
        { 'data-field': 'reconnect' },
        rc
          ? `${rc.reason} · slot ${rc.slot}${rc.makeBeforeBreak ? ' · make-before-break' : ''} · ${ago(now, rc.at)}`
          : 'none',
      ),
      h('dt', {}, 'last error'),
      h(
        'dd',
        { 'data-field': 'error', class: err ? 'error' : '' },
        err ? `${err.code}: ${err.message} · ${ago(now, err.at)}` : 'none',
      ),
    ),
    conns,
  );
  return root;
}

/** Renders every source now and then every `everyMs`; stops when the page goes away. */
export function mountHealth(root: HTMLElement, sources: HealthSource[], everyMs = 1000): void {
  const body = h('div', { class: 'health-body' });
  root.append(
    h(
      'div',
      { class: 'panel-head' },
      h('h2', { title: 'client.health(), as a readiness/liveness probe sees it (refreshed every second)' }, 'Health'),
    ),
    body,
  );
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const cards = await Promise.all(
        sources.map(async (s) => card(s, await s.read().catch((e: unknown) => String((e as Error).message ?? e)))),
      );
      body.replaceChildren(...cards);
    } finally {
      busy = false;
    }
  };
  void tick();
  setInterval(() => void tick(), everyMs);
}
