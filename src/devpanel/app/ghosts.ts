// The ghost warning, told by the panel: Slack's hello counts every connection of the app, and in the dev setup
// some are the setup's own (the example bot's, opened with the app token labeled 'bot'). Those are no ghosts; the
// page says whose they are, and warns only of connections nobody here opened (another process, a stale socket).
import type { Logger, LogLevel } from '../../core/logger.ts';
import type { Session } from './session.ts';
import { panelBus } from './panel-bus.ts';

const GHOST_LINE = /ghost connection\(s\) take envelopes/;
const ORDER = ['error', 'warn', 'info', 'debug'];

/** The console, at the client's level, minus the client's own ghost line (explainGhosts says it, or not). */
export function pageLogger(): Logger {
  let level = 'warn';
  const on = (l: string): boolean => ORDER.indexOf(l) <= ORDER.indexOf(level);
  let name = 'socket-mode:page';
  return {
    debug: (...m: unknown[]) => on('debug') && console.debug(name, ...m),
    info: (...m: unknown[]) => on('info') && console.info(name, ...m),
    warn: (...m: unknown[]) => {
      if (on('warn') && !m.some((x) => typeof x === 'string' && GHOST_LINE.test(x))) console.warn(name, ...m);
    },
    error: (...m: unknown[]) => on('error') && console.error(name, ...m),
    setLevel: (l: LogLevel) => void (level = String(l)),
    getLevel: () => level as LogLevel,
    setName: (n: string) => void (name = n),
  };
}

/** Wait (bounded) for the simulator feed's first state: what is open is known only then. */
function feedReady(ms: number): Promise<boolean> {
  if (panelBus.feedUp) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => (off(), resolve(false)), ms);
    const off = panelBus.onFeed((up) => {
      if (!up) return;
      clearTimeout(t);
      off();
      resolve(true);
    });
  });
}

export async function explainGhosts(
  session: Session,
  e: { connection_id: string; num_connections: number; held: number; ghosts: number },
): Promise<void> {
  const conns = panelBus.conns;
  const known: string[] = [];
  if (conns && (await feedReady(3000))) {
    const mine = conns.pageIds();
    // This page's own sockets that its client closed, still counted by the simulator (a half-open one never
    // answered the close): no ghost of anyone else's, and said so.
    const retired = new Set<string>();
    for (const s of session.sockets.values())
      if (s.simConnectionId && !mine.has(s.simConnectionId)) retired.add(s.simConnectionId);
    for (const [id, c] of conns.byId)
      if (c.state !== 'closed' && !mine.has(id) && c.label !== undefined)
        known.push(
          retired.has(id)
            ? `${id} (this page's, closed by its client; the simulator still has it ${c.state})`
            : `${id} (${c.label})`,
        );
  }
  const unexplained = Math.max(0, e.ghosts - known.length);
  const counted = `Slack counts ${e.num_connections}, this page holds ${e.held}`;
  if (known.length) {
    session.addTimeline({
      at: Date.now(),
      kind: 'connected',
      label: `dev setup: ${known.length} other`,
      detail: `${counted}; opened by the dev setup: ${known.join(', ')}`,
    });
  }
  if (unexplained > 0) {
    const line = `${unexplained} ghost connection(s) take envelopes: ${counted}${known.length ? ` and the dev setup ${known.length}` : ''}`;
    console.warn('socket-mode:page', line);
    session.addTimeline({ at: Date.now(), kind: 'error', label: `${unexplained} ghost`, detail: line });
  }
}
