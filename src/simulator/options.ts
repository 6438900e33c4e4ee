// Simulator options: the defaults (Slack's own timings), token-masking of the log, and the host put in URLs.
import type { ResolvedOptions, SimulatorOptions } from './types.ts';

const DEFAULTS: ResolvedOptions = {
  port: 0,
  host: '127.0.0.1',
  appToken: 'xapp-1-A111-1-simulator',
  botToken: 'xoxb-1-simulator',
  appId: 'A111',
  teamId: 'T111',
  ackTimeoutMs: 3000,
  redeliveryDelaysMs: [0, 60_000, 300_000],
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  maxConnections: 10,
  approximateConnectionTimeSec: 18_060,
  refreshWarningLeadMs: 10_000,
  refreshCloseDelayMs: 1000,
  autoRefresh: false,
  halfOpenReapMs: 0,
  random: () => Math.random(),
  now: () => Date.now(),
  openRateLimit: false,
  log: () => {},
};

// Belt and braces for "never log tokens": whatever a log line contains, token-shaped strings are masked.
export const TOKEN_RE = /\bx(?:app|ox[a-z])-[A-Za-z0-9-]+/g;
export const maskTokens = (text: string): string => text.replace(TOKEN_RE, (t) => `${t.slice(0, 5)}[REDACTED]`);
const safeLog = (log: (line: string) => void) => (line: string) => log(maskTokens(line));

export function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as SimulatorOptions;
  const r = { ...DEFAULTS, ...defined } as ResolvedOptions;
  r.log = safeLog(o.log ?? DEFAULTS.log);
  return r;
}

/** Host for URLs handed out: a wildcard bind address is reached via loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
