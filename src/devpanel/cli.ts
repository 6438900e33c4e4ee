// `socket-mode-anywhere dev`: the browser dev panel next to the simulator (and the example echo bot when it
// is there), or next to real Slack when SLACK_APP_TOKEN is set. Stays up until SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { startDevPanel } from './server.ts';

const USAGE = `Usage: socket-mode-anywhere dev [--port 3300] [--panel-port 3301] [--host 127.0.0.1] [--bot path | --no-bot] [--verbose]
  Starts the simulator on --port and the dev panel on --panel-port (open it in a browser).
  With SLACK_APP_TOKEN set, no simulator: the panel connects to real Slack (SLACK_API_URL overrides the API base);
  the token stays in this process, the page only ever gets one-time wss:// URLs.
  --bot runs a bot script against the simulator (default: examples/node/echo-bot.mjs when present).`;

export interface DevCliIo {
  out?: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** stop without a signal (tests, embedding) */
  signal?: AbortSignal;
}

interface DevArgs {
  port: number;
  panelPort: number | undefined;
  host: string;
  bot: string | false | undefined;
  verbose: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): DevArgs {
  const a: DevArgs = { port: 3300, panelPort: undefined, host: '127.0.0.1', bot: undefined, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const port = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} needs a port number`);
      return n;
    };
    switch (flag) {
      case '--port': a.port = port(); break;
      case '--panel-port': a.panelPort = port(); break;
      case '--host': a.host = value(); break;
      case '--bot': a.bot = value(); break;
      case '--no-bot': a.bot = false; break;
      case '--verbose': case '-v': a.verbose = true; break;
      case '--help': case '-h': a.help = true; break;
      default: throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return a;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return dir;
}

/** Resolves once everything has shut down after SIGINT/SIGTERM (or `io.signal` aborts). */
export async function runDevCli(argv: string[], io: DevCliIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => console.log(line));
  const env = io.env ?? process.env;
  const args = parseArgs(argv);
  if (args.help) {
    out(USAGE);
    return;
  }
  const log = args.verbose ? (line: string) => out(`[dev] ${line}`) : undefined;
  const appToken = env['SLACK_APP_TOKEN'];
  let sim: Simulator | undefined;
  let bot: ChildProcess | undefined;

  if (appToken) {
    const apiUrl = env['SLACK_API_URL'];
    const panel = await startDevPanel({
      appToken, host: args.host, port: args.panelPort ?? args.port + 1, ...(apiUrl ? { apiUrl } : {}), ...(log ? { log } : {}),
    });
    out('Socket Mode dev panel — real Slack (SLACK_APP_TOKEN)');
    out(`  Panel:      ${panel.url}`);
    out(`  Web API:    ${apiUrl ?? 'https://slack.com/api/'}  (the token stays in this process)`);
    if (!panel.built) out('  The page is not built: run `npx vite build` (or `npm run build`).');
    await untilStopped(io.signal);
    await panel.close();
    out('Dev panel stopped.');
    return;
  }

  sim = await startSimulator({ port: args.port, host: args.host, ...(args.verbose ? { log: (l: string) => out(`[sim] ${l}`) } : {}) });
  const panel = await startDevPanel({ simulator: sim, host: args.host, port: args.panelPort ?? sim.port + 1, ...(log ? { log } : {}) });
  out('Socket Mode dev panel — local simulator');
  out(`  Panel:      ${panel.url}`);
  out(`  Simulator:  ${sim.url}  (Web API ${sim.apiUrl}, feed ${sim.url.replace(/^http/, 'ws')}/_sim/feed)`);
  out(`  App token:  ${sim.appToken}   Bot token: ${sim.botToken}  (the simulator's own)`);
  if (!panel.built) out('  The page is not built: run `npx vite build` (or `npm run build`).');

  const botPath = args.bot === false ? undefined : resolve(args.bot ?? join(packageRoot(), 'examples', 'node', 'echo-bot.mjs'));
  if (botPath && existsSync(botPath)) {
    bot = spawn(process.execPath, [botPath], {
      env: { ...process.env, SLACK_APP_TOKEN: sim.appToken, SLACK_BOT_TOKEN: sim.botToken, SLACK_API_URL: sim.apiUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) out(`[bot] ${line}`);
    };
    bot.stdout?.on('data', prefix);
    bot.stderr?.on('data', prefix);
    bot.on('exit', (code) => {
      out(`[bot] exited (${code ?? 'signal'})`);
      bot = undefined;
    });
    out(`  Bot:        ${botPath} (deliver to "the bot" in the panel)`);
  } else if (args.bot) {
    out(`  Bot:        ${botPath} not found; running without a bot`);
  }
  out('Press Ctrl+C to stop.');

  await untilStopped(io.signal);
  if (bot) {
    const b = bot;
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        b.kill('SIGKILL');
        r();
      }, 2000);
      b.once('exit', () => {
        clearTimeout(t);
        r();
      });
      b.kill('SIGTERM');
    });
  }
  await panel.close();
  await sim.close();
  out('Dev panel stopped.');
}

function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
