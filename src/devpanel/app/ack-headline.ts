// The words next to the ack's state pill. Against the simulator they say what the SIMULATOR confirmed (it read the
// ack, after how long; or not yet; or the deadline passed): the client's own latency is only when it wrote the
// frame, and a frame written into a dead socket is no ack. Against real Slack nothing confirms an ack: the client's
// time is all there is, and the line says whose it is.
import { fmtMs } from './dom.ts';
import type { EnvelopeEntry } from './model.ts';

export interface AckHeadline {
  /** The pill's word. */
  pill: string;
  /** After the pill: whose time it is. */
  after: string;
  /** The client's side, when it wrote a frame: "written to the socket after 0.5 ms". */
  written?: string;
}

const ago = (ms: number): string => (ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(0)} s`);

export function ackHeadline(e: EnvelopeEntry, confirmable: boolean, now = Date.now()): AckHeadline {
  const a = e.ack;
  const written =
    a.frame && a.latencyMs !== undefined ? `written to the socket after ${fmtMs(a.latencyMs)}` : undefined;
  if (!confirmable) {
    const after =
      a.latencyMs !== undefined && (a.state === 'acked' || a.state === 'late')
        ? ` after ${fmtMs(a.latencyMs)} (written by the client; Slack does not confirm acks)`
        : '';
    return { pill: a.state, after };
  }
  switch (a.state) {
    case 'acked':
    case 'late':
      return { pill: a.state, after: ` after ${fmtMs(a.simLatencyMs)} (simulator)`, written };
    case 'sent':
      return {
        pill: 'unconfirmed',
        after: ` — sent ${a.at !== undefined ? ago(Math.max(0, now - a.at)) : '–'} ago, not read by the simulator`,
        written,
      };
    case 'missed':
      return {
        pill: 'missed',
        after: a.frame ? ' (3 s deadline passed; the simulator never read the ack)' : ' (3 s deadline passed)',
        written,
      };
    case 'pending':
      return { pill: 'pending', after: '' };
    case 'failed':
      return { pill: 'failed', after: '' };
  }
}
