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

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class ConsoleLogger implements Logger {
  constructor(
    private name = 'socket-mode',
    private level: LogLevel = 'info',
  ) {}
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
    this.log('debug', msg);
  }
  info(...msg: unknown[]): void {
    this.log('info', msg);
  }
  warn(...msg: unknown[]): void {
    this.log('warn', msg);
  }
  error(...msg: unknown[]): void {
    this.log('error', msg);
  }
  private log(l: LogLevel, msg: unknown[]): void {
    const min = LEVELS.indexOf(this.level);
    // An unknown level counts as info.
    if (LEVELS.indexOf(l) >= (min < 0 ? 1 : min)) console[l](`[${l.toUpperCase()}] ${this.name}`, ...msg);
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
        inner[l](...msg.map((m) => redactValue(m)));
      } catch {
        // A broken logger must not take the connection down.
      }
    };
  }
  return out;
}
