// Single-use tickets for the link URLs apps.connections.open hands out: each expires, and is spent on first use.
import { newTicket } from './envelopes.ts';

const TICKET_TTL_MS = 5 * 60_000;

export class Tickets {
  // ticket -> expiry (epoch ms) and the label of the app token that asked for it (appTokenFor)
  private readonly expiries = new Map<string, { exp: number; label: string | undefined }>();

  /** A fresh single-use ticket for apps.connections.open; `label` goes to the connection it opens. */
  issue(label?: string): string {
    const now = Date.now();
    for (const [t, e] of this.expiries) if (e.exp < now) this.expiries.delete(t);
    const t = newTicket();
    this.expiries.set(t, { exp: now + TICKET_TTL_MS, label });
    return t;
  }

  /** Spend a ticket: its label (possibly undefined) if it was issued and has not expired, else false. */
  take(ticket: string): { label: string | undefined } | false {
    const e = this.expiries.get(ticket);
    this.expiries.delete(ticket); // single use, whatever happens next
    return e !== undefined && e.exp >= Date.now() ? { label: e.label } : false;
  }

  clear(): void {
    this.expiries.clear();
  }
}
