// One WebSocket connection as Slack sees it: its state, counts, timers and the ConnectionInfo it reports.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ConnectionInfo, ConnectionState } from './types.ts';

export class Conn {
  helloAt: number | undefined;
  closedAt: number | undefined;
  /** The close code the client sent (1005: a close frame without one; 1006: no close frame at all). */
  closeCode: number | undefined;
  state: ConnectionState = 'connecting';
  warned = false;
  delivered = 0;
  acked = 0;
  awaitingPong = false;
  pongTimer: NodeJS.Timeout | undefined;
  /** Silent death (ms epoch): the path died without a close frame; Slack still routes here until routeForMs. */
  silentSince: number | undefined;
  /** A silent connection: the client's FIN/RST still reaches Slack (it stops routing here at once). */
  closeReaches = true;
  readonly timers = new Set<NodeJS.Timeout>();
  /** The label of the app token it was opened with (sim.appTokenFor), e.g. 'bot' or 'page'. */
  label: string | undefined;

  constructor(
    readonly id: string,
    readonly seq: number,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly openedAt: number,
  ) {}

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  info(): ConnectionInfo {
    const i: ConnectionInfo = {
      id: this.id,
      openedAt: this.openedAt,
      state: this.state,
      delivered: this.delivered,
      acked: this.acked,
    };
    if (this.helloAt !== undefined) i.helloAt = this.helloAt;
    if (this.closedAt !== undefined) i.closedAt = this.closedAt;
    if (this.closeCode !== undefined) i.closeCode = this.closeCode;
    if (this.warned) i.warned = true;
    if (this.silentSince !== undefined) i.silentSince = this.silentSince;
    if (this.label !== undefined) i.label = this.label;
    return i;
  }
}
