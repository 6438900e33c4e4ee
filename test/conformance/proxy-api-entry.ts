// The Web API helpers through a proxy, on Node (bundled), Bun and Deno: `socket-mode-anywhere` resolves to the
// runtime's own entry, whose platform fetch callApi() and respond() use when given none. argv: apiUrl, bot token,
// the `proxy` option as JSON ("false" or a URL string; '' for none), then response_urls. It calls chat.postMessage
// once, posts to each response_url once, then prints one line:
// PROXYAPI {"results":[{call,ok,error?:{name,code,message,status,proxy,cause}}]} and exits.
import { callApi, respond } from 'socket-mode-anywhere';

const g = globalThis as { Deno?: { args: string[]; exit(code: number): never }; process?: { argv: string[] } };
const argv = g.Deno ? g.Deno.args : g.process!.argv.slice(2);
const [apiUrl, token, proxyJson, ...responseUrls] = argv as [string, string, string, ...string[]];
const proxy = proxyJson ? { proxy: JSON.parse(proxyJson) as string | false } : {};

const results: Record<string, unknown>[] = [];
async function attempt(call: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
    results.push({ call, ok: true });
  } catch (e) {
    const err = e as Error & { code?: string; status?: number; proxy?: string; cause?: unknown };
    const cause = err.cause instanceof Error ? `${err.cause.name}: ${err.cause.message}` : String(err.cause ?? '');
    const error = { name: err.name, code: err.code, message: err.message, status: err.status, proxy: err.proxy, cause };
    results.push({ call, ok: false, error });
  }
}

await attempt('chat.postMessage', () =>
  callApi('chat.postMessage', { channel: 'C111', text: 'via proxy' }, { token, apiUrl, ...proxy }),
);
for (const url of responseUrls) await attempt(`respond ${url}`, () => respond(url, 'via proxy', proxy));
console.log(`PROXYAPI ${JSON.stringify({ results })}`);
if (g.Deno) g.Deno.exit(0);
else (g.process as unknown as { exit(c: number): void }).exit(0);
