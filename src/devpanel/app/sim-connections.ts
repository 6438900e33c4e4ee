// The simulator's connections as its feed reports them, and which of them is "this page" or "the bot": the
// targets for inject, replay and faults.
import type { Session } from './session.ts';

export type DeliverTo = 'page' | 'bot' | 'any';

/** A simulator connection as its feed reports it: state, and the label of the app token it was opened with. */
export interface SimConnState {
  state: string;
  helloAt?: number;
  /** 'bot' / 'page': opened by the dev setup (sim.appTokenFor); absent: someone else (another process). */
  label?: string;
  /** The simulator killed its path silently (silent death) at this time. */
  silentSince?: number;
}

export interface SimConnections {
  /** By simulator connection id: the state the feed last reported. */
  readonly byId: Map<string, SimConnState>;
  /** The simulator connection ids of this page's open sockets. */
  pageIds(): Set<string>;
  /** Where "this page" deliveries go: the page's newest live simulator connection. */
  pageLive(): string | undefined;
  targetFor(to: DeliverTo): string | undefined;
  /** Why there is no target for `to` ('page' or 'bot'), to tell the user. */
  noTarget(to: DeliverTo): string;
  /** The feed went up or down. */
  feedChanged(up: boolean): void;
  /** One line for the inject form: what is open on the simulator. */
  describe(): string;
}

export function simConnections(session: Session): SimConnections {
  const simConns = new Map<string, SimConnState>();
  let feedUp = false;

  const pageIds = (): Set<string> => session.simConnectionIds();
  const pageLiveConn = (): string | undefined => {
    for (const s of session.liveSockets())
      if (s.simConnectionId && simConns.get(s.simConnectionId)?.state !== 'closed') return s.simConnectionId;
    return undefined;
  };
  const botLiveConns = (): string[] => {
    const mine = pageIds();
    const live = [...simConns.entries()].filter(([id, c]) => c.state === 'live' && !mine.has(id) && c.label !== 'page');
    // The dev setup's bot (its own labeled token) first; else any connection that is not this page's.
    const bot = live.filter(([, c]) => c.label === 'bot');
    return (bot.length ? bot : live).map(([id]) => id);
  };
  const targetFor = (to: DeliverTo): string | undefined =>
    to === 'page' ? pageLiveConn() : to === 'bot' ? botLiveConns().at(-1) : undefined;
  const noTarget = (to: DeliverTo): string =>
    to === 'page'
      ? 'This page has no live simulator connection (connect first).'
      : 'No bot connection is live: start the example bot, or deliver to any connection.';
  const feedChanged = (up: boolean): void => {
    if (!up) {
      // Without the feed nothing here is known any more (the simulator may be gone): show no stale "live"
      // connections, and "the bot" has no target. The feed's first frame on reconnect is the full state.
      simConns.clear();
    }
    feedUp = up;
  };
  const describe = (): string => {
    if (!feedUp) return 'Waiting for the simulator feed…';
    const live = [...simConns.entries()].filter(([, c]) => c.state !== 'closed');
    const mine = pageIds();
    return live.length
      ? `Open on the simulator: ${live.map(([id, c]) => `${id}${mine.has(id) ? ' (page)' : c.label ? ` (${c.label})` : ''} ${c.state}`).join(', ')}`
      : 'No connection open on the simulator.';
  };

  return { byId: simConns, pageIds, pageLive: pageLiveConn, targetFor, noTarget, feedChanged, describe };
}
