// apps.connections.open admission: injected failures (failNextOpen) and the optional tier-1 rate limit.
import type { FailOpen } from './types.ts';

export interface GateRefusal {
  status: number;
  headers: Record<string, string>;
  body: string;
  error: string;
}

const json = (o: unknown): string => JSON.stringify(o);

export class OpenGate {
  private readonly failures: FailOpen[] = [];
  private tokens: number;
  private lastRefill = Date.now();

  constructor(private readonly limit: { burst: number; perMinute: number } | false) {
    this.tokens = limit ? limit.burst : 0;
  }

  failNext(f: FailOpen, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(f);
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** A refusal for this call, or undefined to go on with the auth check. */
  check(): GateRefusal | undefined {
    const f = this.failures.shift();
    if (f) return refusalFor(f);
    return this.rateLimit();
  }

  private rateLimit(): GateRefusal | undefined {
    if (!this.limit) return undefined;
    const { burst, perMinute } = this.limit;
    const now = Date.now();
    const perMs = perMinute / 60_000;
    this.tokens = Math.min(burst, this.tokens + (now - this.lastRefill) * perMs);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    const retryAfterSec = perMs > 0 ? Math.max(1, Math.ceil((1 - this.tokens) / perMs / 1000)) : 60;
    return refusalFor({ status: 429, retryAfterSec });
  }
}

function refusalFor(f: FailOpen): GateRefusal {
  if ('error' in f) {
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: json({ ok: false, error: f.error }),
      error: f.error,
    };
  }
  if (f.status === 429) {
    return {
      status: 429,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': String(f.retryAfterSec) },
      body: json({ ok: false, error: 'ratelimited' }),
      error: 'ratelimited',
    };
  }
  // Slack's 5xx bodies are not JSON: clients must not rely on parsing them.
  return {
    status: 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Internal Server Error',
    error: 'http_500',
  };
}
