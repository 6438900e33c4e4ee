// The forwarder on Deno and Bun: the runtime's own WebSocket and Web Crypto, commands to the runtime's own HTTP
// server on loopback (Deno.serve / Bun.serve), events and interactions to a fetch handler. Both apps verify the
// signature themselves. Usage: <runtime> forward-entry.ts <simUrl> <appToken>; prints `FORWARD {json}`.
import { SocketModeClient } from '../../src/index.ts';
import { createForwarder, type Delivery } from '../../src/forward/index.ts';
import { slackSignature } from '../helpers/slack-signature.ts';

const g = globalThis as any;
const [simUrl, appToken] = (g.Deno ? g.Deno.args : g.process.argv.slice(2)) as [string, string];
const SECRET = 'runtime-forward-secret';

const sign = (ts: string, body: string): Promise<string> => slackSignature(SECRET, ts, body);

/** The app: 401 unless signed; a command's text answer, an options list, an empty 200 otherwise. */
async function app(request: Request): Promise<Response> {
  const raw = await request.text();
  const ts = request.headers.get('x-slack-request-timestamp') ?? '';
  if (request.headers.get('x-slack-signature') !== (await sign(ts, raw))) return new Response('no', { status: 401 });
  const form = new URLSearchParams(raw);
  if (form.get('command')) return new Response(`${g.Deno ? 'deno' : 'bun'}: ${form.get('text')}`);
  const payload = form.get('payload');
  if (payload && JSON.parse(payload).type === 'block_suggestion')
    return Response.json({ options: [{ text: { type: 'plain_text', text: 'r' }, value: 'r' }] });
  return new Response(null, { status: 200 });
}

const server = g.Deno
  ? g.Deno.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, app)
  : g.Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app });
const port: number = g.Deno ? server.addr.port : server.port;

const client = new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any });
client.on('error', () => undefined);
const deliveries: Delivery[] = [];
createForwarder({
  client,
  signingSecret: SECRET,
  to: app,
  routes: { commands: `http://127.0.0.1:${port}/slack/commands` },
  onDelivery: (d) => deliveries.push(d),
});
await client.start();
for (const body of [
  { kind: 'slash_command', command: '/rt', text: 'hi' },
  { kind: 'block_suggestion' },
  { kind: 'app_mention' },
]) {
  await fetch(`${simUrl}/_sim/inject`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
const end = Date.now() + 10_000;
while (deliveries.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
await client.disconnect({ timeoutMs: 500 });
await (g.Deno ? server.shutdown() : server.stop(true));
console.log(
  'FORWARD ' +
    JSON.stringify(deliveries.map((d) => ({ kind: d.kind, status: d.status, acked: d.acked, target: d.target }))),
);
