// Simulator side of the panel: inject events (to this page, the bot, or any connection), trigger faults,
// watch the simulator's feed (every delivery and ack, the bot's included) and what the bot answered. Each part is a
// module of its own; this one mounts them and shares what they share (the API, the connections, inject labels).
import { mountBotReplies } from './bot-replies.ts';
import { h } from './dom.ts';
import { faultButtons } from './fault-buttons.ts';
import { mountFeed } from './feed-view.ts';
import { panelBus } from './panel-bus.ts';
import { injectForm } from './inject-form.ts';
import type { Session } from './session.ts';
import { simConnections, type DeliverTo } from './sim-connections.ts';
import { SimApi } from './sim.ts';

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
  envelopes?: Parameters<typeof injectForm>[0]['envelopes'];
}): SimControls {
  const { session } = opts;
  const api = new SimApi(opts.simUrl);
  const conns = simConnections(session);
  panelBus.conns = conns; // the page's other parts read the simulator's connections through the bus
  const injected = new Map<string, string>(); // response id -> what was injected (to label response_url replies)

  const { form, connsInfo } = injectForm({ api, conns, injected, envelopes: opts.envelopes });
  opts.controlsRoot.append(
    h('div', { class: 'panel-head' }, h('h2', {}, 'Simulator')),
    form,
    ...faultButtons(api, conns.pageLive),
  );
  const addReply = mountBotReplies(opts.repliesRoot);
  const renderConns = (): void => {
    connsInfo.textContent = conns.describe();
  };
  session.on('sockets', renderConns);
  mountFeed({
    root: opts.feedRoot,
    url: opts.feedUrl,
    conns,
    injected,
    addReply,
    onConns: renderConns,
    onFeedCount: opts.onFeedCount,
  });
  return { api, targetFor: conns.targetFor, noTarget: conns.noTarget };
}
