// Soak run, bundled by test/soak.test.ts and run as `node --expose-gc`: a simulator and a pooled client in
// one process, SOAK_ENVELOPES envelopes in batches (every one acked before the next batch), with refreshes
// and drops along the way. At each checkpoint (every SOAK_CHECKPOINT envelopes) it settles, runs gc and
// prints one JSON line: heapUsed, active resources (process.getActiveResourcesInfo()), sockets, handler stats.
// SOAK_LEAK=1 plants a leak (handlers retain their arguments) so the test can show its detector fires.
import WebSocket from 'ws';
import { startSimulator, type InjectKind } from '../../src/simulator/index.ts';
import { MemoryDedupeStore, SocketModeClient, type SlackEventArgs, type SocketModeOptions } from '../../src/index.ts';
import { watchFalseAlarms } from './false-alarms.ts';

const TOTAL = Number(process.env.SOAK_ENVELOPES ?? 100_000);
const CHECKPOINT = Number(process.env.SOAK_CHECKPOINT ?? 10_000);
const BATCH = 500;
const LEAK = process.env.SOAK_LEAK === '1';
const KINDS: InjectKind[] = [
  'app_mention',
  'message',
  'slash_command',
  'block_actions',
  'view_submission',
  'block_suggestion',
];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`soak: timed out waiting for ${what}`);
    await sleep(5);
  }
}

const leaked: unknown[] = [];

async function main(): Promise<void> {
  const sim = await startSimulator({
    refreshWarningLeadMs: 50,
    refreshCloseDelayMs: 20,
    pingIntervalMs: 1000,
    pongTimeoutMs: 2000,
  });
  const silent = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    setLevel() {},
    getLevel: () => 'error' as const,
    setName() {},
  };
  const client = new SocketModeClient({
    appToken: sim.appToken,
    apiUrl: sim.apiUrl,
    WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
    logger: silent,
    connections: 2,
    pingIntervalMs: 500,
    pongTimeoutMs: 1000,
    backoff: { initialMs: 20, maxMs: 200 },
    // A bound the warm-up fills (the default 50k keys would still be filling during the measured plateau and
    // read as growth): the dedupe store's own bound is tested elsewhere; here it must simply stay bounded.
    dedupe: new MemoryDedupeStore({ maxEntries: 10_000 }),
  });
  // Replacements that were not needed: a liveness verdict on a socket the simulator never made dead.
  const alarms = watchFalseAlarms(client, sim);
  let handled = 0;
  let errors = 0;
  // The drops below are named on `error` (connection_error): only other errors count.
  client.on('error', (e) => void (e.code !== 'connection_error' && errors++));
  client.on('slack_event', (args: SlackEventArgs) => {
    handled++;
    if (LEAK) leaked.push(args);
    const payload =
      args.type === 'slash_commands' ? { text: 'ok' } : args.type === 'interactive' ? { text: 'done' } : undefined;
    // Half the handlers are async: their promises and timers must not accumulate either.
    if (handled % 2) return args.ack(payload);
    return Promise.resolve().then(() => args.ack(payload));
  });
  let acked = 0;
  sim.on('ack', (a: { duplicate: boolean }) => {
    if (!a.duplicate) acked++;
  });
  await client.start();
  await until(() => client.connectionCount === 2, 'pool');

  const started = Date.now();
  let sent = 0;
  let batchNo = 0;
  while (sent < TOTAL) {
    const n = Math.min(BATCH, TOTAL - sent);
    const target = acked + n;
    for (let i = 0; i < n; i++) sim.inject(KINDS[(sent + i) % KINDS.length]!);
    sent += n;
    batchNo++;
    // Faults that must not leak: a refresh every 6 batches, a drop every 20 (between batches, so nothing is
    // in flight: this run is about memory, the chaos test is about loss).
    await until(() => acked >= target, `acks of batch ${batchNo}`);
    if (batchNo % 6 === 0) sim.refresh({ warning: batchNo % 12 === 0 });
    if (batchNo % 20 === 0) {
      sim.drop({ connectionId: sim.connections().find((c) => c.state === 'live')!.id });
    }
    if (sent % CHECKPOINT === 0) {
      await until(() => client.connectionCount === 2 && client.connectionIds.length === 2, 'pool settled', 20_000);
      await sleep(50);
      gc!();
      await sleep(10);
      gc!();
      const resources: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
      out({
        checkpoint: sent,
        heapUsed: process.memoryUsage().heapUsed,
        resources,
        sockets: client.connectionIds.length,
        simOpen: sim.connections().filter((c) => c.state !== 'closed').length,
        handlers: client.handlerStats,
        handled,
        ms: Date.now() - started,
      });
    }
  }
  await client.disconnect();
  await sim.close();
  out({
    done: true,
    sent,
    handled,
    acked,
    errors,
    missed: sim.missedDeadlines().length,
    leaked: leaked.length,
    unneeded: alarms.unneeded(),
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  },
);
