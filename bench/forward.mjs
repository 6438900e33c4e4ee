// node bench/forward.mjs (after `npm run build`): what the forwarder adds per envelope. Slash commands through one
// client against the simulator, acked with a text payload by: a direct Socket Mode handler; the forwarder to a
// fetch handler in-process (no HTTP); to a plain node:http app on loopback; to an unchanged Bolt HTTPReceiver app.
// Latency: sequential envelopes, the simulator's send-to-ack time. Rate: envelopes injected at a steady rate.
// Flags: --n=300 (sequential envelopes per target), --rate=100 (per second), --seconds=3, --json. Also run by
// `npm run bench` (its forward section, --only=forward).
import { createServer } from 'node:http';
import { startSimulator } from '../dist/simulator/index.js';
import { SocketModeClient, toNodeListener } from '../dist/platform/node.js';
import { createForwarder } from '../dist/forward/index.js';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const N = arg('n', 300);
const RATE = arg('rate', 100);
const SECONDS = arg('seconds', 3);
const SECRET = 'bench-signing-secret';
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const answer = (text) => new Response(`ok: ${text}`, { status: 200 });

async function listen(handler) {
  const server = createServer(toNodeListener(handler));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/slack/events`, close: () => server.close() };
}

async function boltApp(sim) {
  const { App, LogLevel } = await import('@slack/bolt');
  const app = new App({
    token: sim.botToken,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: sim.apiUrl },
  });
  app.command('/bench', async ({ command, ack }) => ack(`ok: ${command.text}`));
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${server.address().port}/slack/events`, close: () => app.stop() };
}

async function measure(name, wire) {
  const sim = await startSimulator({ ackTimeoutMs: 3000, redeliveryDelaysMs: [] });
  const client = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, logger: quiet });
  const closeTarget = await wire(client, sim);
  await client.start();
  const one = async () =>
    (await sim.waitForAck(sim.inject('slash_command', { command: '/bench', text: 'x' }).envelope_id)).latencyMs;
  for (let i = 0; i < 30; i++) await one(); // warm-up
  const seq = [];
  for (let i = 0; i < N; i++) seq.push(await one());
  // A steady rate: envelopes are not waited for one by one.
  const pending = [];
  const total = RATE * SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      sim.waitForAck(sim.inject('slash_command', { command: '/bench', text: String(i) }).envelope_id, 10_000).then(
        (a) => a.latencyMs,
        () => NaN,
      ),
    );
  }
  const rated = await Promise.all(pending);
  const acked = rated.filter((x) => !Number.isNaN(x));
  await client.disconnect({ timeoutMs: 100 });
  await closeTarget?.();
  await sim.close();
  return {
    name,
    p50: quantile(seq, 0.5),
    p99: quantile(seq, 0.99),
    rateAcked: `${acked.length}/${total}`,
    rateP99: quantile(acked, 0.99),
  };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error', setName() {} };
const forwardTo = (to) => (client) => {
  createForwarder({ client, to, signingSecret: SECRET });
};
const rows = [];
rows.push(
  await measure('direct Socket Mode handler', (client) => {
    client.on('slash_commands', ({ ack, body }) => ack({ text: `ok: ${body.text}` }));
  }),
);
rows.push(
  await measure(
    'forwarder → fetch handler (in-process)',
    forwardTo(async (r) => answer(new URLSearchParams(await r.text()).get('text'))),
  ),
);
rows.push(
  await measure('forwarder → node:http app (loopback)', async (client) => {
    const app = await listen(async (r) => answer(new URLSearchParams(await r.text()).get('text')));
    forwardTo(app.url)(client);
    return app.close;
  }),
);
rows.push(
  await measure('forwarder → Bolt HTTPReceiver (loopback)', async (client, sim) => {
    const app = await boltApp(sim);
    forwardTo(app.url)(client);
    return app.close;
  }),
);
const base = rows[0];
// --json: one line for bench/run.mjs (its forward section runs this file as a child process).
if (process.argv.includes('--json')) {
  console.log(`FORWARD ${JSON.stringify({ n: N, rate: RATE, seconds: SECONDS, base: base.name, rows })}`);
  process.exit(0);
}
console.log(`| target | ack p50 / p99 (${N} sequential) | added p50 | ${RATE}/s for ${SECONDS} s: acked, p99 |`);
console.log('|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} ms | ${r === base ? '' : `+${(r.p50 - base.p50).toFixed(2)} ms`} | ${r.rateAcked}, ${r.rateP99.toFixed(2)} ms |`,
  );
