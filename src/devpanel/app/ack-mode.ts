// Who acks: the page, as each envelope arrives (auto-ack), or the user, from the detail view within 3 s
// (manual: the page holds each envelope's ack function until the user sends it).
import type { AckFn, SlackEventArgs } from '../../index.ts';
import type { AckControl } from './ack-box.ts';
import { $ } from './dom.ts';
import type { EnvelopeEntry } from './model.ts';
import type { Session } from './session.ts';
import type { StreamView } from './stream.ts';

export interface AckMode {
  /** For the detail view's manual ack. */
  control: AckControl;
  /** The client's slack_event handler. */
  onEvent(args: SlackEventArgs): void;
  /** In manual mode, select each new envelope in the stream (unless the user is busy with another one). */
  follow(stream: StreamView): void;
}

export function ackMode(session: Session): AckMode {
  const acks = new Map<string, AckFn>();
  const autoAck = $('auto-ack') as HTMLInputElement;
  const control: AckControl = {
    canAck: (e) => acks.has(e.envelope_id) && !e.ack.frame,
    ack: async (e, payload) => {
      const fn = acks.get(e.envelope_id);
      if (!fn) throw new Error('already acked');
      acks.delete(e.envelope_id);
      session.markAckBy(e, 'manual');
      try {
        await fn(payload);
      } catch (x) {
        // Refused before anything was written (over 20 KB, not serializable): the client takes another ack for
        // this envelope, so the page must keep offering one (without a payload, or a smaller one).
        const code = (x as { code?: string }).code;
        if (code === 'ack_too_large' || code === 'ack_failed') acks.set(e.envelope_id, fn);
        session.markAckFailed(e, (x as Error).message);
        throw x;
      }
    },
  };
  const onEvent = (args: SlackEventArgs): void => {
    const entry = session.byId.get(args.envelope_id);
    if (autoAck.checked) {
      if (entry) session.markAckBy(entry, 'auto');
      session.markDelivered(args.envelope_id);
      args.ack().catch((x: unknown) => entry && session.markAckFailed(entry, (x as Error).message));
    } else {
      acks.set(args.envelope_id, args.ack);
      session.markDelivered(args.envelope_id);
    }
  };

  autoAck.addEventListener('change', () => {
    document.body.dataset['ack'] = autoAck.checked ? 'auto' : 'manual';
    if (autoAck.checked) {
      // Switching back to auto-ack settles whatever is still waiting for a manual ack.
      // That includes envelopes no longer in the stream (Clear): their acks are still owed.
      for (const [id, fn] of [...acks]) {
        const entry = session.byId.get(id);
        acks.delete(id);
        if (entry?.ack.frame) continue;
        if (entry) session.markAckBy(entry, 'auto');
        fn().catch((x: unknown) => entry && session.markAckFailed(entry, (x as Error).message));
      }
    }
    $('ack-mode-hint').textContent = autoAck.checked
      ? 'every envelope is acked on arrival'
      : 'ack each envelope yourself within 3 s';
  });
  autoAck.dispatchEvent(new Event('change'));

  const follow = (stream: StreamView): void => {
    // Manual mode: bring the newest pending envelope forward unless the user is busy with another one.
    session.on('envelope', (e: EnvelopeEntry) => {
      if (autoAck.checked) return;
      const cur = stream.selected();
      const busy = cur && cur.ack.state === 'pending' && acks.has(cur.envelope_id);
      if (!busy && !document.activeElement?.closest('#detail')) stream.select(e);
    });
  };

  return { control, onEvent, follow };
}
