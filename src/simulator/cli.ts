// `socket-mode-anywhere simulator`: start the simulator on a fixed port and stay up until SIGINT/SIGTERM.
import { startSimulator, type SimulatorOptions } from './index.ts';

const USAGE = `Usage: socket-mode-anywhere simulator [--port 3300] [--host 127.0.0.1] [--verbose]
  [--ack-timeout-ms N] [--ping-interval-ms N] [--max-connections N] [--app-token xapp-…] [--bot-token xoxb-…]`;

function parseArgs(argv: string[]): { opts: SimulatorOptions; verbose: boolean; help: boolean } {
  const opts: SimulatorOptions = { port: 3300 };
  let verbose = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
      return n;
    };
    switch (flag) {
      case '--port': opts.port = num(); break;
      case '--host': opts.host = value(); break;
      case '--ack-timeout-ms': opts.ackTimeoutMs = num(); break;
      case '--ping-interval-ms': opts.pingIntervalMs = num(); break;
      case '--max-connections': opts.maxConnections = num(); break;
      case '--app-token': opts.appToken = value(); break;
      case '--bot-token': opts.botToken = value(); break;
      case '--verbose': case '-v': verbose = true; break;
      case '--help': case '-h': help = true; break;
      default: throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return { opts, verbose, help };
}

export interface SimulatorCliIo {
  out?: (line: string) => void;
  /** stop without a signal (tests, embedding) */
  signal?: AbortSignal;
}

/** Resolves once the simulator has shut down after SIGINT/SIGTERM (or `io.signal` aborts). */
export async function runSimulatorCli(argv: string[], io: SimulatorCliIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => console.log(line));
  const { opts, verbose, help } = parseArgs(argv);
  if (help) {
    out(USAGE);
    return;
  }
  if (verbose) opts.log = (line) => out(`[sim] ${line}`);
  const sim = await startSimulator(opts);
  const ws = sim.url.replace(/^http/, 'ws');
  out('Slack Socket Mode simulator');
  out(`  Web API:    ${sim.apiUrl}   (apps.connections.open, chat.postMessage, auth.test)`);
  out(`  Control:    ${sim.url}/_sim/state  ·  POST ${sim.url}/_sim/inject | fault | reset | replay`);
  out(`  Feed:       ${ws}/_sim/feed`);
  // The printed tokens are the simulator's own fake tokens, shown so a bot can be pointed at it.
  out(`  App token:  ${sim.appToken}`);
  out(`  Bot token:  ${sim.botToken}`);
  out(`  Inject an app_mention:`);
  out(`    curl -s -X POST ${sim.url}/_sim/inject -H 'Content-Type: application/json' -d '{"kind":"app_mention","text":"<@U0BOT> hello"}'`);
  out('Press Ctrl+C to stop.');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await sim.close();
  out('Simulator stopped.');
}
