// One replica of a fleet as its own process, for test/fleet.test.ts (bundled by it, run by node): a SocketModeClient
// against the simulator with CONNECTIONS sockets and `fleet: redisFleet(redis)` (FLEET_OPTIONS: its options, JSON).
// Events are acked at once; slash commands after SLASH_MS (work before the ack). It prints one JSON line per fact the
// test counts: each socket live (the simulator's connection id, read from hello's debug_info.host), each handler run
// and each ack made, each too_many_websockets, each `error` event (its code) and warning, and a graceful stop.
// SIGTERM → disconnect() (drain, then the leases released) → exit 0, as a deploy stops a replica.
import { createClient } from 'redis';
import WebSocket from 'ws';
import { SocketModeClient, type SocketModeOptions } from 'socket-mode-anywhere';
import { redisFleet } from '../../src/redis/index.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const out = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);
const logger = {
  debug() {},
  info() {},
  warn: (...a: unknown[]) => {
    err(`warn ${a.map(String).join(' ')}`);
    out({ ev: 'warn', text: a.map(String).join(' ') });
  },
  error: (...a: unknown[]) => err(`error ${a.map(String).join(' ')}`),
  setLevel() {},
  getLevel: () => 'warn' as const,
  setName() {},
};

const redis = createClient({ url: env('REDIS_URL'), socket: { reconnectStrategy: () => 100, connectTimeout: 500 } });
redis.on('error', () => {}); // each failed reconnect lands here; the client reports what it costs (error event)
await redis.connect();

const slashMs = Number(process.env.SLASH_MS ?? 300);
const fleet = redisFleet(redis, JSON.parse(process.env.FLEET_OPTIONS ?? '{}'));

const client = new SocketModeClient({
  appToken: env('APP_TOKEN'),
  apiUrl: env('API_URL'),
  WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
  logger,
  connections: Number(env('CONNECTIONS')),
  pingIntervalMs: Number(process.env.PING_MS ?? 1000),
  pongTimeoutMs: Number(process.env.PONG_MS ?? 1000),
  backoff: { initialMs: 50, maxMs: 500, tooManyWebSocketsMs: 500 },
  fleet,
});

client.on('slack_event', async ({ ack, envelope_id, type, body }) => {
  const event_id = (body as { event_id?: unknown } | undefined)?.event_id;
  out({ ev: 'h', id: envelope_id, type, ...(typeof event_id === 'string' ? { event_id } : {}) });
  if (type === 'slash_commands') await new Promise((r) => setTimeout(r, slashMs));
  await ack(type === 'slash_commands' ? { text: 'ok' } : undefined);
  out({ ev: 'a', id: envelope_id });
});
client.on('connected', (c) => {
  const seq = /applink-sim-(\d+)/.exec(String(c.debug_info?.host ?? ''))?.[1];
  out({ ev: 'live', conn: `conn-${seq}`, slot: c.slot, held: c.held });
});
client.on('too_many_websockets', () => out({ ev: 'tmw' }));
client.on('error', (e) => {
  err(`error event ${e.code}: ${e.message}`);
  out({ ev: 'error', code: e.code, name: e.name });
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  out({ ev: 'stopping' });
  void client.disconnect().then(async () => {
    out({ ev: 'stopped' });
    await redis.quit().catch(() => {});
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await client.start();
out({ ev: 'started' });
// The fleet's view, on stderr (the test shows it when a wait times out): leases, share, replicas, live sockets.
const every = Number(process.env.STATUS_MS ?? 0);
if (every > 0)
  setInterval(
    () =>
      err(`status ${JSON.stringify({ ...fleet?.status(), live: client.connectionCount, at: Date.now() % 100_000 })}`),
    every,
  ).unref();
