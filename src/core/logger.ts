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

// Least to most severe: a logger shows its level and the ones after it.
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class ConsoleLogger implements Logger {
  private declare name: string;
  private declare level: LogLevel;
  constructor(name = 'socket-mode', level: LogLevel = 'info') {
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
    this.log(0, msg);
  }
  info(...msg: unknown[]): void {
    this.log(1, msg);
  }
  warn(...msg: unknown[]): void {
    this.log(2, msg);
  }
  error(...msg: unknown[]): void {
    this.log(3, msg);
  }
  /** `severity`: an index into LEVELS. */
  private log(severity: number, msg: unknown[]): void {
    const min = LEVELS.indexOf(this.level);
    const l = LEVELS[severity]!;
    // An unknown level counts as info.
    if (severity >= (min < 0 ? 1 : min)) console[l](`[${l.toUpperCase()}] ${this.name}`, ...msg);
  }
}

/** Wraps any Logger so each argument is redacted first, and a throwing user logger cannot break the client. */
export function redactingLogger(inner: Logger): Logger {
  const out = {
    setLevel: (l: LogLevel) => inner.setLevel(l),
    getLevel: () => inner.getLevel(),
    setName: (n: string) => inner.setName(n),
  } as Logger;
  for (const l of LEVELS) {
    out[l] = (...msg: unknown[]) => {
      try {
        inner[l](...msg.map(redactValue));
      } catch {
        // A broken logger must not take the connection down.
      }
    };
  }
  return out;
}
