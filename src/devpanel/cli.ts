// `socket-mode-anywhere dev`: the browser dev panel next to the simulator (and the example echo bot when it
// is there), or next to real Slack when SLACK_APP_TOKEN is set. Stays up until SIGINT/SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { startDevPanel } from './server.ts';
import { runForwardCli } from '../forward/cli.ts';
import type { Delivery } from '../forward/forwarder.ts';
import { createForwardedLog } from './forwarded-log.ts';

const USAGE = `Usage: socket-mode-anywhere dev [--port 3300] [--panel-port 3301] [--host 127.0.0.1] [--bot path | --no-bot | --forward-to URL] [--verbose]
  Starts the simulator on --port and the dev panel on --panel-port (open it in a browser).
  With SLACK_APP_TOKEN set, no simulator: the panel connects to real Slack (SLACK_API_URL overrides the API base);
  the token stays in this process, the page only ever gets one-time wss:// URLs.
  --bot runs a bot script against the simulator (default: examples/node/echo-bot.mjs when present; a Bolt app:
  --bot examples/bolt/app.mjs), with SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SLACK_API_URL and HEALTH_PORT in its env.
  --forward-to URL: no bot; envelopes go to an HTTP-mode app at URL, signed with SLACK_SIGNING_SECRET (as
  \`socket-mode-anywhere forward\` does); run the app with the simulator's bot token and Web API URL.`;

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
  forwardTo: string | undefined;
  verbose: boolean;
  help: boolean;
}

function parseCli(argv: string[]): DevArgs {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'panel-port': { type: 'string' },
      host: { type: 'string' },
      bot: { type: 'string' },
      'no-bot': { type: 'boolean' },
      'forward-to': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const port = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} needs a port number`);
    return n;
  };
  return {
    port: port('port', v.port) ?? 3300,
    panelPort: port('panel-port', v['panel-port']),
    host: v.host ?? '127.0.0.1',
    // Forwarding to an HTTP app replaces the bot: the app is the bot.
    bot: v['no-bot'] || v['forward-to'] !== undefined ? false : v.bot,
    forwardTo: v['forward-to'],
    verbose: v.verbose === true,
    help: v.help === true,
  };
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
  const args = parseCli(argv);
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
      appToken,
      host: args.host,
      port: args.panelPort ?? args.port + 1,
      ...(apiUrl ? { apiUrl } : {}),
      ...(log ? { log } : {}),
    });
    out('Socket Mode dev panel — real Slack (SLACK_APP_TOKEN)');
    out(`  Panel:      ${panel.url}`);
    out(`  Web API:    ${apiUrl ?? 'https://slack.com/api/'}  (the token stays in this process)`);
    if (!panel.built) out('  The page is not built: run `npx vite build` (or `npm run build`).');
    // The same example bot, against real Slack, when there is a bot token to answer with.
    if (env['SLACK_BOT_TOKEN'] && args.bot !== false) {
      bot = startBot(args.bot, { ...process.env, ...env } as Record<string, string>, out, () => (bot = undefined));
    } else if (args.bot !== false) {
      out('  Bot:        not started (set SLACK_BOT_TOKEN to run the example bot against Slack)');
    }
    const forwarding = startForwarding(args.forwardTo, env, out);
    out('Press Ctrl+C to stop.');
    await untilStopped(io.signal);
    await forwarding?.stop();
    await stopBot(bot);
    await panel.close();
    out('Dev panel stopped.');
    return;
  }

  sim = await startSimulator({
    port: args.port,
    host: args.host,
    ...(args.verbose ? { log: (l: string) => out(`[sim] ${l}`) } : {}),
  });
  // The example bot serves its client's health (createHealthHandler) here; the panel relays and shows it.
  const healthPort = args.bot === false ? undefined : await freePort();
  const botHealthUrl = healthPort ? `http://127.0.0.1:${healthPort}/healthz` : undefined;
  // --forward-to: what the forwarder delivered, and what the app answered, listed by the panel page.
  const forwarded = args.forwardTo ? createForwardedLog() : undefined;
  const panel = await startDevPanel({
    simulator: sim,
    host: args.host,
    port: args.panelPort ?? sim.port + 1,
    ...(log ? { log } : {}),
    ...(botHealthUrl ? { botHealthUrl } : {}),
    ...(args.forwardTo ? { forwardTo: args.forwardTo, forwarded } : {}),
  });
  out('Socket Mode dev panel — local simulator');
  out(`  Panel:      ${panel.url}`);
  out(`  Simulator:  ${sim.url}  (Web API ${sim.apiUrl}, feed ${sim.url.replace(/^http/, 'ws')}/_sim/feed)`);
  out(`  App token:  ${sim.appToken}   Bot token: ${sim.botToken}  (the simulator's own)`);
  if (!panel.built) out('  The page is not built: run `npx vite build` (or `npm run build`).');

  // The bot opens its connections with an app token of its own (labeled 'bot'), the page with one labeled 'page':
  // the simulator (and the panel) can tell them apart, and `"to":"bot"` reaches the bot, never the page.
  const botEnv = {
    ...process.env,
    SLACK_APP_TOKEN: sim.appTokenFor('bot'),
    SLACK_BOT_TOKEN: sim.botToken,
    SLACK_API_URL: sim.apiUrl,
    ...(healthPort ? { HEALTH_PORT: String(healthPort) } : {}),
  };
  const supervisor = superviseBot(sim, () => startBot(args.bot, botEnv, out, (code) => supervisor.exited(code)), out);
  bot = supervisor.start();
  if (bot && botHealthUrl) out(`  Bot health: ${botHealthUrl}  (also ${panel.url}bot-health)`);
  out(`  Try it${bot ? ' (to the bot; "to":"page" for the panel, or leave "to" out for any connection)' : ''}:`);
  const to = bot ? ',"to":"bot"' : '';
  out(
    `    curl -s -X POST ${sim.url}/_sim/inject -H 'Content-Type: application/json' -d '{"kind":"app_mention","text":"<@U0BOT> hello"${to}}'`,
  );
  out(
    `    curl -s -X POST ${sim.url}/_sim/inject -H 'Content-Type: application/json' -d '{"kind":"slash_command","command":"/echo","text":"hi"${to}}'`,
  );
  // Show what the bot answers, as Slack would show it in the channel.
  sim.on('posted', (p: { kind: string; body: unknown }) => {
    const text = (p.body as { text?: unknown } | null)?.text;
    out(`[slack] bot replied via ${p.kind}: ${typeof text === 'string' ? text : JSON.stringify(p.body)}`);
  });
  sim.on('api_call', (c: { method: string; ok: boolean; error?: string; modeled: boolean }) => {
    if (c.method === 'chat.postMessage' && c.ok) return; // shown above, with its text
    const outcome = c.ok ? (c.modeled ? 'ok' : 'ok (not modeled by the simulator)') : `error ${c.error}`;
    out(`[slack] bot called ${c.method} -> ${outcome}`);
  });
  sim.on('ack', (a: { envelope_id: string; payload?: unknown }) => {
    if (a.payload !== undefined) out(`[slack] bot acked ${a.envelope_id} with ${JSON.stringify(a.payload)}`);
  });
  const forwarding = startForwarding(
    args.forwardTo,
    { ...env, SLACK_APP_TOKEN: sim.appToken, SLACK_API_URL: sim.apiUrl },
    out,
    forwarded?.add,
  );
  out('Press Ctrl+C to stop.');

  await untilStopped(io.signal);
  await forwarding?.stop();
  await supervisor.stop();
  await panel.close();
  await sim.close();
  out('Dev panel stopped.');
}

/** --forward-to: the forward command in this process, its lines prefixed; stopped with the panel. */
function startForwarding(
  to: string | undefined,
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  onDelivery?: (delivery: Delivery) => void,
): { stop(): Promise<void> } | undefined {
  if (to === undefined) return undefined;
  const stop = new AbortController();
  const io = {
    env,
    out: (l: string) => out(`[forward] ${l}`),
    signal: stop.signal,
    ...(onDelivery ? { onDelivery } : {}),
  };
  const done = runForwardCli(['--to', to], io).catch((e: Error) => out(`[forward] ${e.message}`));
  out(`  Forward to: ${to}  (signed with SLACK_SIGNING_SECRET)`);
  return {
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

/** Runs the example bot (or the one named by --bot) as a child process; its output is prefixed. */
function startBot(
  choice: string | false | undefined,
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  onExit: (code: number | null) => void,
): ChildProcess | undefined {
  if (choice === false) return undefined;
  const botPath = resolve(choice ?? join(packageRoot(), 'examples', 'node', 'echo-bot.mjs'));
  if (!existsSync(botPath)) {
    if (choice) out(`  Bot:        ${botPath} not found; running without a bot`);
    return undefined;
  }
  const child = spawn(process.execPath, [botPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) out(`[bot] ${line}`);
  };
  child.stdout?.on('data', prefix);
  child.stderr?.on('data', prefix);
  child.on('exit', (code) => {
    out(`[bot] exited (${code ?? 'signal'})`);
    onExit(code);
  });
  out(`  Bot:        ${botPath}`);
  return child;
}

/**
 * Keeps the bot running as a process manager would. Slack's `link_disabled` is fatal to a Socket Mode client (the
 * app's Socket Mode is off: retrying is pointless), so the bot exits; the dev setup starts it again once the link is
 * re-enabled ("Re-enable link" in the panel, or the `link_enabled` fault). Any other exit: started again after a
 * backoff (1 s doubling to 30 s), until it has died 5 times in a row within 10 s of starting.
 */
function superviseBot(
  sim: Simulator,
  start: () => ChildProcess | undefined,
  out: (line: string) => void,
): { start(): ChildProcess | undefined; exited(code: number | null): void; stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  let stopping = false;
  let waitingForLink = false;
  let startedAt = 0;
  let quickDeaths = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = (): ChildProcess | undefined => {
    timer = undefined;
    waitingForLink = false;
    startedAt = Date.now();
    return (child = start());
  };
  const offFault = sim.on('fault', (f: { fault?: string }) => {
    if (f.fault === 'link_enabled' && waitingForLink && !stopping) {
      out('[bot] the link is enabled again: restarting the bot');
      run();
    }
  });
  return {
    start: run,
    exited() {
      child = undefined;
      if (stopping) return;
      if (sim.state().linkDisabled) {
        waitingForLink = true;
        out('[bot] stopped by link_disabled; it restarts when the link is re-enabled');
        return;
      }
      quickDeaths = Date.now() - startedAt < 10_000 ? quickDeaths + 1 : 0;
      if (quickDeaths >= 5) return out('[bot] exited 5 times in a row within 10 s of starting; not restarting it');
      const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, quickDeaths - 1));
      out(`[bot] restarting in ${delay / 1000} s`);
      timer = setTimeout(run, delay);
    },
    async stop() {
      stopping = true;
      offFault();
      clearTimeout(timer);
      await stopBot(child);
    },
  };
}

async function stopBot(bot: ChildProcess | undefined): Promise<void> {
  if (!bot || bot.exitCode !== null) return;
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      bot.kill('SIGKILL');
      r();
    }, 2000);
    bot.once('exit', () => {
      clearTimeout(t);
      r();
    });
    bot.kill('SIGTERM');
  });
}

/** A loopback port nothing listens on now (the bot binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
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
