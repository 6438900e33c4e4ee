// One fleet replica as its own process, for test/redis-fleet.test.ts: a SocketModeClient against the simulator with
// `fleet: redisFleet(redis)` on a node-redis connection of its own. It prints one JSON line per `connected` and its
// fleet status every 200 ms; the test kills it with SIGKILL (its leases are never released).
import { createClient } from 'redis';
import { SocketModeClient } from 'socket-mode-anywhere';
import { redisFleet } from '../../src/redis/index.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const redis = createClient({ url: env('REDIS_URL') });
redis.on('error', () => {});
await redis.connect();
const fleet = redisFleet(redis, { leaseMs: Number(env('LEASE_MS')), renewMs: Number(env('RENEW_MS')) });
const client = new SocketModeClient({
  appToken: env('APP_TOKEN'),
  apiUrl: env('API_URL'),
  connections: Number(env('CONNECTIONS')),
  fleet,
  logLevel: 'error',
});
client.on('app_mention', ({ ack }) => ack());
client.on('connected', () => out({ live: client.connectionCount }));
setInterval(() => out({ status: fleet.status(), live: client.connectionCount }), 200);
await client.start();
