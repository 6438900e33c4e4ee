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

// Most severe first: a logger shows its level and the ones before it.
const LEVELS: readonly LogLevel[] = Object.values(LogLevel);

// debug, info, warn and error: prototype methods made in the static block below.
export interface ConsoleLogger extends Pick<Logger, LogLevel> {}

export class ConsoleLogger implements Logger {
  declare private name: string;
  declare private level: LogLevel;
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
  static {
    // One prototype method per level (a subclass can still override each).
    LEVELS.forEach((level, rank) => {
      this.prototype[level] = function (this: ConsoleLogger, ...msg: unknown[]): void {
        const max = LEVELS.indexOf(this.level);
        // An unknown level counts as info.
        if (rank <= (max < 0 ? 2 : max)) console[level](`[${level.toUpperCase()}] ${this.name}`, ...msg);
      };
    });
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
