// `socket-mode-anywhere simulator`: start the simulator on a fixed port and stay up until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator, type SimulatorOptions } from './index.ts';

const USAGE = `Usage: socket-mode-anywhere simulator [--port 3300] [--host 127.0.0.1] [--verbose]
  [--ack-timeout-ms N] [--ping-interval-ms N] [--max-connections N] [--app-token xapp-…] [--bot-token xoxb-…]
  [--auto-refresh] [--connection-time-sec N] [--refresh-warning-lead-ms N] [--half-open-reap-ms N]
  --auto-refresh: refresh each connection connection-time-sec after its hello, as Slack does (warning first).`;

function parseCli(argv: string[]): { opts: SimulatorOptions; verbose: boolean; help: boolean } {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'ack-timeout-ms': { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'max-connections': { type: 'string' },
      'app-token': { type: 'string' },
      'bot-token': { type: 'string' },
      'auto-refresh': { type: 'boolean' },
      'connection-time-sec': { type: 'string' },
      'refresh-warning-lead-ms': { type: 'string' },
      'half-open-reap-ms': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const num = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number`);
    return n;
  };
  const opts: SimulatorOptions = { port: num('port', v.port) ?? 3300 };
  if (v.host !== undefined) opts.host = v.host;
  const ack = num('ack-timeout-ms', v['ack-timeout-ms']);
  if (ack !== undefined) opts.ackTimeoutMs = ack;
  const ping = num('ping-interval-ms', v['ping-interval-ms']);
  if (ping !== undefined) opts.pingIntervalMs = ping;
  const max = num('max-connections', v['max-connections']);
  if (max !== undefined) opts.maxConnections = max;
  if (v['app-token'] !== undefined) opts.appToken = v['app-token'];
  if (v['bot-token'] !== undefined) opts.botToken = v['bot-token'];
  if (v['auto-refresh'] === true) opts.autoRefresh = true;
  const life = num('connection-time-sec', v['connection-time-sec']);
  if (life !== undefined) opts.approximateConnectionTimeSec = life;
  const lead = num('refresh-warning-lead-ms', v['refresh-warning-lead-ms']);
  if (lead !== undefined) opts.refreshWarningLeadMs = lead;
  const reap = num('half-open-reap-ms', v['half-open-reap-ms']);
  if (reap !== undefined) opts.halfOpenReapMs = reap;
  return { opts, verbose: v.verbose === true, help: v.help === true };
}

export interface SimulatorCliIo {
  out?: (line: string) => void;
  /** stop without a signal (tests, embedding) */
  signal?: AbortSignal;
}

/** Resolves once the simulator has shut down after SIGINT/SIGTERM (or `io.signal` aborts). */
export async function runSimulatorCli(argv: string[], io: SimulatorCliIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => console.log(line));
  const { opts, verbose, help } = parseCli(argv);
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
  out(
    `    curl -s -X POST ${sim.url}/_sim/inject -H 'Content-Type: application/json' -d '{"kind":"app_mention","text":"<@U0BOT> hello"}'`,
  );
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
