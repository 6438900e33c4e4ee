// One client through a proxy, on Node (bundled), Bun and Deno: `socket-mode-anywhere` resolves to the runtime's
// own entry. argv: apiUrl, appToken, optionally the `proxy` option as JSON ("false" or a URL string; '' for
// none) and 'ws-only' (the runtime's fetch given as the `fetch` option, so only the socket uses the proxy).
// It starts, waits for `connected` (the hello) or two `error` events (bounded), then prints one line:
// PROXY {"hello":bool,"errors":[{name,code,message,status,proxy,cause}],"logs":[…]} and exits.
import { SocketModeClient, LogLevel, type Logger } from 'socket-mode-anywhere';

const g = globalThis as { Deno?: { args: string[]; exit(code: number): never }; process?: { argv: string[] } };
const argv = g.Deno ? g.Deno.args : g.process!.argv.slice(2);
const [apiUrl, appToken, proxyJson, mode] = argv as [string, string, string | undefined, string | undefined];

const logs: string[] = [];
const line =
  (level: string) =>
  (...m: unknown[]): void => {
    logs.push(`${level} ${m.map((x) => (x instanceof Error ? `${x.name}: ${x.message}` : String(x))).join(' ')}`);
  };
const logger: Logger = {
  debug: line('debug'),
  info: line('info'),
  warn: line('warn'),
  error: line('error'),
  setLevel: () => undefined,
  getLevel: () => LogLevel.DEBUG,
  setName: () => undefined,
};

const client = new SocketModeClient({
  appToken,
  apiUrl,
  logger,
  backoff: { initialMs: 50, maxMs: 100 },
  ...(proxyJson ? { proxy: JSON.parse(proxyJson) as string | false } : {}),
  // 'ws-only': the runtime's own fetch, given as the option (the client adds no proxy to it).
  ...(mode === 'ws-only' ? { fetch: (u: string, i?: RequestInit) => fetch(u, i) } : {}),
});
const errors: Record<string, unknown>[] = [];
let hello = false;
const done = new Promise<void>((resolve) => {
  client.on('error', (e) => {
    const err = e as Error & { code?: string; status?: number; proxy?: string; cause?: unknown };
    errors.push({
      name: err.name,
      code: err.code,
      message: err.message,
      status: err.status,
      proxy: err.proxy,
      cause: err.cause instanceof Error ? `${err.cause.name}: ${err.cause.message}` : JSON.stringify(err.cause ?? null),
    });
    if (errors.length >= 2) resolve();
  });
  client.on('connected', () => {
    hello = true;
    resolve();
  });
  setTimeout(resolve, 15_000);
});
void client.start().catch(() => undefined);
await done;
await client.disconnect({ timeoutMs: 0 });
console.log(`PROXY ${JSON.stringify({ hello, errors, logs })}`);
if (g.Deno) g.Deno.exit(0);
else (g.process as unknown as { exit(c: number): void }).exit(0);
