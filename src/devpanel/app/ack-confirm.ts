// Truthful acks: against the simulator, the page's row says "acked" only once the simulator's feed reports it read
// the ack. The client writing it is "sent" (unconfirmed): written into a dead or half-open socket, it stays so until
// the simulator records the deadline missed, and the row turns "missed".
import { isRecord } from './dom.ts';
import type { EnvelopeEntry } from './model.ts';
import { panelBus } from './panel-bus.ts';
import type { Session } from './session.ts';

/**
 * There is a simulator to confirm acks. Its feed may be down for a while (a restart): an ack written meanwhile stays
 * unconfirmed until the feed's next state snapshot says the simulator read it, or for good if it never did.
 */
export const confirmable = (): boolean => panelBus.conns !== undefined;

/** The client wrote the ack (read-tap): unconfirmed until the simulator says it read it. */
export function ackWritten(session: Session, envelopeId: string): void {
  const e = session.byId.get(envelopeId);
  if (!e || !confirmable() || e.ack.confirmedAt !== undefined) return;
  if (e.ack.state === 'acked' || e.ack.state === 'late') {
    e.ack.state = e.ack.simMissedAt !== undefined ? 'missed' : 'sent';
    session.ackChanged(e);
  }
}

function confirmed(session: Session, d: Record<string, unknown>): void {
  const e = session.byId.get(String(d['envelope_id']));
  if (!e || e.ack.confirmedAt !== undefined || d['duplicate'] === true) return;
  e.ack.confirmedAt = typeof d['receivedAt'] === 'number' ? d['receivedAt'] : Date.now();
  if (typeof d['latencyMs'] === 'number') e.ack.simLatencyMs = d['latencyMs'];
  if (isRecord(d['frame'])) e.ack.simFrame = d['frame'];
  if (e.ack.frame) e.ack.state = d['late'] === true ? 'late' : 'acked';
  session.ackChanged(e);
}

function missed(session: Session, d: Record<string, unknown>, at: number): void {
  const e: EnvelopeEntry | undefined = session.byId.get(String(d['envelope_id']));
  if (!e || e.ack.confirmedAt !== undefined || e.ack.simMissedAt !== undefined) return;
  e.ack.simMissedAt = at;
  if (e.ack.state !== 'failed') e.ack.state = 'missed';
  session.ackChanged(e);
}

export function confirmAcks(session: Session): void {
  panelBus.onSim((r) => {
    const d = r.data;
    if (r.event === 'ack') confirmed(session, d);
    else if (r.event === 'missed') missed(session, d, r.at);
    else if (r.event === 'state') {
      // The feed (re)connected: its snapshot settles what was still unconfirmed.
      for (const a of Array.isArray(d['acks']) ? d['acks'] : []) if (isRecord(a)) confirmed(session, a);
      for (const m of Array.isArray(d['missedDeadlines']) ? d['missedDeadlines'] : [])
        if (isRecord(m)) missed(session, m, r.at);
    }
  });
}
