// Shared bits for client tests: a simulator per test, a client wired to it with a capturing logger.
import WebSocket from 'ws';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { SocketModeClient, type Logger, type LogLevel, type SocketModeOptions } from '../../src/index.ts';

export interface Harness {
  sim: Simulator;
  lines: string[];
  logger: Logger;
  client(opts?: Partial<SocketModeOptions>): SocketModeClient;
  cleanup(): Promise<void>;
}

export function captureLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  let level: LogLevel = 'debug';
  const fmt = (x: unknown): string => {
    if (typeof x === 'string') return x;
    if (x instanceof Error) return `${x.name}: ${x.message} ${x.stack ?? ''}`;
    try {
      return JSON.stringify(x);
    } catch {
      return String(x);
    }
  };
  const mk =
    (l: string) =>
    (...a: unknown[]) => {
      lines.push(`${l} ${a.map(fmt).join(' ')}`);
    };
  return {
    lines,
    logger: {
      debug: mk('debug'),
      info: mk('info'),
      warn: mk('warn'),
      error: mk('error'),
      setLevel: (l) => {
        level = l;
      },
      getLevel: () => level,
      setName: () => {},
    },
  };
}

export async function harness(simOpts: SimulatorOptions = {}): Promise<Harness> {
  const sim = await startSimulator(simOpts);
  const { lines, logger } = captureLogger();
  const clients: SocketModeClient[] = [];
  return {
    sim,
    lines,
    logger,
    client(opts = {}) {
      const c = new SocketModeClient({
        appToken: sim.appToken,
        apiUrl: sim.apiUrl,
        WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
        logger,
        backoff: { initialMs: 50, maxMs: 200, tooManyWebSocketsMs: 200 },
        ...opts,
      });
      clients.push(c);
      return c;
    },
    async cleanup() {
      // Teardown, not a test of shutdown: no drain (test/shutdown.test.ts covers it), so a handler that never
      // acked does not hold every test for drainTimeoutMs.
      await Promise.all(clients.map((c) => c.disconnect({ timeoutMs: 0 })));
      await sim.close();
    },
  };
}

/** Poll `pred` until true; throws with `what` after `ms` (a safety net, never an assertion on speed). */
export async function until(pred: () => boolean, what = 'condition', ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
