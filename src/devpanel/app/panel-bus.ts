// What the page's parts share without being wired through main.ts: the simulator feed's records (every part that
// cares subscribes), and the simulator's connection list. Set by the simulator side when there is a simulator.
import type { SimConnections } from './sim-connections.ts';
import type { FeedRecord } from './sim.ts';

type SimListener = (r: FeedRecord) => void;

const simListeners = new Set<SimListener>();
const feedListeners = new Set<(up: boolean) => void>();

export const panelBus = {
  /** The simulator's connections (set by mountSimulator); undefined against real Slack. */
  conns: undefined as SimConnections | undefined,
  /** Shows a node in the detail pane in place of a page envelope (set by mountDetail). */
  showDetail: undefined as ((node: HTMLElement) => void) | undefined,
  /** Opens a delivery (by envelope_id) of the "Every connection" tab in the detail; false if it is not known. */
  openDelivery: undefined as ((envelopeId: string) => boolean) | undefined,
  /** The simulator feed is connected now: its records confirm (or deny) what the page's client wrote. */
  feedUp: false,

  onSim(fn: SimListener): () => void {
    simListeners.add(fn);
    return () => simListeners.delete(fn);
  },
  onFeed(fn: (up: boolean) => void): () => void {
    feedListeners.add(fn);
    return () => feedListeners.delete(fn);
  },
  publishSim(r: FeedRecord): void {
    for (const fn of simListeners) {
      try {
        fn(r);
      } catch (e) {
        console.error(`devpanel: ${r.event} listener failed`, e);
      }
    }
  },
  publishFeed(up: boolean): void {
    this.feedUp = up;
    for (const fn of feedListeners) fn(up);
  },
};
