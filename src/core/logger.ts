// A logger shaped like @slack/logger, plus a wrapper that redacts every argument before it reaches any logger.
import { redactValue } from './redact.ts';

export const LogLevel = {
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** The @slack/logger `Logger` interface. */
export interface Logger {
  debug(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
  setLevel(level: LogLevel): void;
  getLevel(): LogLevel;
  setName(name: string): void;
}

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class ConsoleLogger implements Logger {
  private level: LogLevel;
  private name: string;
  constructor(name = 'socket-mode', level: LogLevel = LogLevel.INFO) {
    this.name = name;
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  setName(name: string): void {
    this.name = name;
  }
  debug(...msg: unknown[]): void {
    if (this.enabled('debug')) console.debug(`[DEBUG] ${this.name}`, ...msg);
  }
  info(...msg: unknown[]): void {
    if (this.enabled('info')) console.info(`[INFO] ${this.name}`, ...msg);
  }
  warn(...msg: unknown[]): void {
    if (this.enabled('warn')) console.warn(`[WARN] ${this.name}`, ...msg);
  }
  error(...msg: unknown[]): void {
    if (this.enabled('error')) console.error(`[ERROR] ${this.name}`, ...msg);
  }
  private enabled(l: LogLevel): boolean {
    return SEVERITY[l] >= (SEVERITY[this.level] ?? 1);
  }
}

/**
 * Wraps any Logger so each argument is redacted first, and a throwing user logger cannot break the client.
 */
export function redactingLogger(inner: Logger): Logger {
  const call = (fn: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]): void => {
    try {
      inner[fn](...msg.map((m) => redactValue(m)));
    } catch {
      // A broken logger must not take the connection down.
    }
  };
  return {
    debug: (...m) => call('debug', m),
    info: (...m) => call('info', m),
    warn: (...m) => call('warn', m),
    error: (...m) => call('error', m),
    setLevel: (l) => inner.setLevel(l),
    getLevel: () => inner.getLevel(),
    setName: (n) => inner.setName(n),
  };
}
