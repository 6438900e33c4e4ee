// `socket-mode-anywhere forward --to URL`: Socket Mode in, signed HTTP out, like `stripe listen --forward-to`.
// One line per envelope, a summary on Ctrl+C. The app token and the signing secret are read from the
// environment and never printed.
import { parseArgs } from 'node:util';
import { SocketModeClient } from '../platform/node.ts';
import type { Logger } from '../core/logger.ts';
import { createForwarder, type Delivery, type ForwardTarget } from './forwarder.ts';
import type { RouteKind } from './request.ts';

const USAGE = `Usage: socket-mode-anywhere forward --to http://localhost:3000/slack/events [options]
  Serves an HTTP-mode Slack app (Bolt's HTTPReceiver, Hono, slack-edge, …) from Socket Mode, no tunnel needed:
  each envelope is POSTed as Slack would (body, content type, X-Slack-Signature), the answer is its ack.
  --to URL                the app's Request URL (default for every kind)
  --events-to URL         Event Subscriptions Request URL, if the app splits them
  --commands-to URL       Slash Commands Request URL
  --interactivity-to URL  Interactivity Request URL
  --timeout-ms 2500       how long the app has to answer (Slack's ack deadline is 3 s)
  Environment: SLACK_APP_TOKEN (xapp-…, connections:write), SLACK_SIGNING_SECRET (the app's),
  SLACK_API_URL (optional: the simulator's, as \`dev\` prints it).`;

export interface ForwardCliIo {
  out?: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** Colours; default: stdout is a TTY. */
  color?: boolean;
  /** Stops without a signal (tests, embedding). */
  signal?: AbortSignal;
  /** Also told of each envelope's outcome, after its line is printed (the dev panel lists them). */
  onDelivery?: (delivery: Delivery) => void;
}

const FLAGS: Array<['events-to' | 'commands-to' | 'interactivity-to', RouteKind]> = [
  ['events-to', 'events'],
  ['commands-to', 'commands'],
  ['interactivity-to', 'interactivity'],
];

/** Resolves after SIGINT/SIGTERM (or `io.signal`), once the summary is printed. Throws on bad usage. */
export async function runForwardCli(argv: string[], io: ForwardCliIo = {}): Promise<void> {
  const out = io.out ?? ((line: string) => console.log(line));
  const env = io.env ?? process.env;
  const paint = colours(io.color ?? process.stdout.isTTY === true);
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      to: { type: 'string' },
      'events-to': { type: 'string' },
      'commands-to': { type: 'string' },
      'interactivity-to': { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return out(USAGE);
  const routes: Partial<Record<RouteKind, ForwardTarget>> = {};
  for (const [flag, kind] of FLAGS) if (v[flag] !== undefined) routes[kind] = v[flag];
  if (v.to === undefined && Object.keys(routes).length === 0)
    throw new Error('forward needs --to URL (or --events-to/--commands-to/--interactivity-to); --help for usage');
  const appToken = env['SLACK_APP_TOKEN'];
  if (!appToken) throw new Error('SLACK_APP_TOKEN is not set (an app-level token, xapp-…, with connections:write)');
  if (!appToken.startsWith('xapp-'))
    throw new Error('SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)');
  const signingSecret = env['SLACK_SIGNING_SECRET'];
  if (!signingSecret) throw new Error("SLACK_SIGNING_SECRET is not set (the app's signing secret, as the app uses it)");
  const timeoutMs = v['timeout-ms'] === undefined ? undefined : Number(v['timeout-ms']);

  const client = new SocketModeClient({
    appToken,
    ...(env['SLACK_API_URL'] ? { apiUrl: env['SLACK_API_URL'] } : {}),
    logger: quietLogger(out),
  });
  // An envelope not acked is reported by its line; the client's own error event for it would say it twice.
  client.on('error', (e) => {
    if ((e as { code?: string }).code !== 'handler_error') out(paint.red(`error: ${e.message}`));
  });
  const summary = new Summary();
  let refusedHinted = false;
  let unauthorizedHinted = false;
  const forwarder = createForwarder({
    client,
    signingSecret,
    ...(v.to !== undefined ? { to: v.to } : {}),
    routes,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onDelivery: (d) => {
      summary.add(d);
      out(line(d, paint, summary));
      if (d.failure === 'refused' && !refusedHinted) {
        refusedHinted = true;
        out(paint.dim(`  ${d.target} refuses connections: is the app running? (further refusals are counted)`));
      }
      if ((d.status === 401 || d.status === 403) && !unauthorizedHinted) {
        unauthorizedHinted = true;
        out(paint.dim(`  the app answered ${d.status}: is SLACK_SIGNING_SECRET the app's signing secret?`));
      }
      io.onDelivery?.(d);
    },
  });

  const targets = v.to !== undefined ? [v.to] : [];
  for (const [flag, kind] of FLAGS) if (v[flag] !== undefined) targets.push(`${kind}: ${v[flag]}`);
  try {
    const hello = await client.start();
    out(`Forwarding Socket Mode to ${targets.join(', ')} (connection ${hello.connection_id}); Ctrl+C to stop`);
  } catch (e) {
    forwarder.stop();
    await client.disconnect({ timeoutMs: 0 }).catch(() => undefined);
    const code = (e as { code?: string; data?: { error?: string } }).code;
    if (code === 'invalid_token' || code === 'slack_api_error')
      throw new Error(`Slack refused SLACK_APP_TOKEN: ${(e as Error).message}`);
    throw e;
  }

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    if (io.signal?.aborted) done();
    io.signal?.addEventListener('abort', done, { once: true });
  });
  forwarder.stop();
  await client.disconnect({ timeoutMs: 3000 }).catch(() => undefined);
  out(summary.text());
}

/** Warnings and errors only; the client's per-envelope handler failures are the lines' business. */
function quietLogger(out: (line: string) => void): Logger {
  const skip = () => undefined;
  const say =
    (level: string) =>
    (...msg: unknown[]) => {
      const text = msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
      if (!/ForwardError|not acked/.test(text)) out(`${level}: ${text}`);
    };
  return {
    debug: skip,
    info: skip,
    warn: say('warn'),
    error: say('error'),
    setLevel: skip,
    getLevel: () => 'warn' as never,
    setName: skip,
  };
}

type Paint = Record<'green' | 'red' | 'yellow' | 'dim' | 'bold', (s: string) => string>;

function colours(on: boolean): Paint {
  const c = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { green: c(32), red: c(31), yellow: c(33), dim: c(2), bold: c(1) };
}

const time = () => new Date().toTimeString().slice(0, 8);

function line(d: Delivery, paint: Paint, s: Summary): string {
  const retry = d.retryNum ? paint.yellow(` (retry ${d.retryNum})`) : '';
  const head = `${paint.dim(time())}  ${d.type.padEnd(14)} ${paint.bold(d.what)}${retry}`;
  if (d.acked) {
    const ack = d.ackBytes === 0 ? 'ack' : `ack ${d.ackBytes} B`;
    return `${head}  → ${paint.green(String(d.status))} ${d.ms} ms  ${ack}`;
  }
  const status = d.status === undefined ? '' : `${paint.red(String(d.status))} `;
  const why = d.failure === 'refused' ? `connection refused (${s.failures.get('refused') ?? 1})` : d.reason;
  return `${head}  → ${status}${paint.red(`✗ ${why}`)} ${d.ms} ms  not acked`;
}

class Summary {
  total = 0;
  acked = 0;
  readonly failures = new Map<string, number>();
  readonly ms: number[] = [];
  add(d: Delivery): void {
    this.total++;
    if (d.acked) {
      this.acked++;
      this.ms.push(d.ms);
    } else {
      const key = d.failure === 'status' ? `HTTP ${d.status}` : (d.failure ?? 'failed');
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    }
  }
  text(): string {
    const sorted = [...this.ms].sort((a, b) => a - b);
    const median = sorted.length ? `, median ${sorted[Math.floor((sorted.length - 1) / 2)]} ms` : '';
    const failed = [...this.failures].map(([k, n]) => `${k} ${n}`).join(', ');
    return (
      `Forwarded ${this.total} envelope${this.total === 1 ? '' : 's'}: ${this.acked} acked` +
      `${median}; ${this.total - this.acked} not acked${failed ? ` (${failed})` : ''}`
    );
  }
}
