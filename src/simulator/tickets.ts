// Single-use tickets for the link URLs apps.connections.open hands out: each expires, and is spent on first use.
import { newTicket } from './envelopes.ts';

const TICKET_TTL_MS = 5 * 60_000;

export class Tickets {
  private readonly expiries = new Map<string, number>(); // ticket -> expiry (epoch ms)

  /** A fresh single-use ticket for apps.connections.open. */
  issue(): string {
    const now = Date.now();
    for (const [t, exp] of this.expiries) if (exp < now) this.expiries.delete(t);
    const t = newTicket();
    this.expiries.set(t, now + TICKET_TTL_MS);
    return t;
  }

  /** Spend a ticket: true if it was issued and has not expired. */
  take(ticket: string): boolean {
    const exp = this.expiries.get(ticket);
    this.expiries.delete(ticket); // single use, whatever happens next
    return exp !== undefined && exp >= Date.now();
  }

  clear(): void {
    this.expiries.clear();
  }
}
