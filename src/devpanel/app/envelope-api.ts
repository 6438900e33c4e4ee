// The simulator calls behind the envelope editor and the session recorder: build an envelope without sending it
// (/_sim/build), send a whole envelope as given (/_sim/send), and one log of every envelope this page sent
// (inject, send, replay) that the recorder reads.
import { simPost, type InjectKind } from './sim.ts';

export interface SentEnvelope {
  envelope: Record<string, unknown>;
  connectionId: string | undefined;
  at: number; // epoch ms
  how: 'inject' | 'send' | 'replay';
}

export class EnvelopeApi {
  private readonly listeners = new Set<(s: SentEnvelope) => void>();

  constructor(readonly url: string) {}

  /** Called for every envelope this page had the simulator deliver. */
  onSent(fn: (s: SentEnvelope) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  noteSent(envelope: Record<string, unknown>, how: SentEnvelope['how'], connectionId?: string): void {
    const s: SentEnvelope = { envelope, connectionId, at: Date.now(), how };
    for (const fn of this.listeners) fn(s);
  }

  private post(path: string, body: unknown): Promise<Record<string, unknown>> {
    return simPost(this.url, path, body);
  }

  /** The envelope the simulator would inject for `kind` and `fields`, not sent. */
  build(kind: InjectKind, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.post('build', { ...fields, kind });
  }

  /** Deliver `envelope` exactly as given (one delivery, no retry schedule). */
  async send(envelope: Record<string, unknown>, connectionId?: string): Promise<Record<string, unknown>> {
    await this.post('send', { envelope, ...(connectionId ? { connectionId } : {}) });
    this.noteSent(envelope, 'send', connectionId);
    return envelope;
  }
}

/** A fresh envelope_id, as Slack's (a UUID). */
export const newEnvelopeId = (): string => crypto.randomUUID();

/** `raw` again with a new envelope_id: "resend as is" (the same id twice would be one envelope to every log). */
export const resendOf = (raw: Record<string, unknown>): Record<string, unknown> => ({
  ...raw,
  envelope_id: newEnvelopeId(),
});

/**
 * Slack's redelivery of an events_api envelope: the same payload (so the same event_id), a new envelope_id,
 * retry_attempt one more than this delivery's, retry_reason "timeout" (what Socket Mode sends after a missed ack).
 */
export function redeliveryOf(raw: Record<string, unknown>, reason = 'timeout'): Record<string, unknown> {
  const attempt = typeof raw['retry_attempt'] === 'number' ? raw['retry_attempt'] : 0;
  return { ...raw, envelope_id: newEnvelopeId(), retry_attempt: attempt + 1, retry_reason: reason };
}
