// One replica as its own process, for test/redis-dedupe.test.ts: a SocketModeClient against the simulator with
// redisDedupeStore on a node-redis connection of its own. It prints one JSON line when its socket is live and one per
// envelope handled; REPLICA_HANG=1 makes its handlers never ack (the test then kills it with SIGKILL mid-handler).
import { createClient } from 'redis';
import { SocketModeClient } from 'socket-mode-anywhere';
import { redisDedupeStore } from '../../src/redis/index.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const redis = createClient({ url: env('REDIS_URL') });
redis.on('error', () => {});
await redis.connect();
const client = new SocketModeClient({
  appToken: env('APP_TOKEN'),
  apiUrl: env('API_URL'),
  dedupe: redisDedupeStore(redis, { claimStaleMs: Number(env('CLAIM_STALE_MS')) }),
});
const hang = process.env.REPLICA_HANG === '1';
client.on('app_mention', async ({ ack, envelope_id, body, retry_num }) => {
  out({ handled: String(body.event_id), envelope_id, retry: retry_num ?? 0 });
  if (hang) return new Promise<void>(() => {});
  return ack();
});
client.on('connected', () => out({ live: true }));
await client.start();
