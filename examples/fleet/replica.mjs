// One replica of a fleet: start it three times (or more) against one Redis and they share Slack's 10 sockets and
// one dedupe store. Answers /work after 300 ms of "work" (before the ack, as a command that looks something up),
// acks events at once, and prints its leases every few seconds.
//   REDIS_URL=redis://127.0.0.1:6379 SLACK_APP_TOKEN=xapp-… REPLICA=r1 node replica.mjs
// SLACK_API_URL points it at another Web API (the local simulator: http://127.0.0.1:3300/api/). README.md: the rest.
import { createClient } from 'redis';
import { SocketModeClient } from 'socket-mode-anywhere';
import { redisFleet } from 'socket-mode-anywhere/redis';

const name = process.env.REPLICA ?? `replica-${process.pid}`;
const log = (line) => console.log(`[${name}] ${line}`);

// node-redis reconnects by itself; while Redis is away each call fails fast (the fleet keeps its sockets, dedupe is
// local, and the client says so on its `error` event).
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
redis.on('error', () => {}); // one per failed reconnect: the client's own error event below says what it costs
await redis.connect();

const fleet = redisFleet(redis);
const client = new SocketModeClient({
  appToken: process.env.SLACK_APP_TOKEN,
  apiUrl: process.env.SLACK_API_URL, // undefined → https://slack.com/api/
  connections: Number(process.env.CONNECTIONS ?? 4), // what this replica asks for; the fleet caps the sum at 10
  fleet,
});

client.on('slash_commands', async ({ ack, body }) => {
  await new Promise((r) => setTimeout(r, 300)); // the work, before the ack (well inside Slack's 3 s)
  await ack({ text: `done by ${name}: ${body.text ?? ''}` });
});
client.on('app_mention', async ({ ack, event }) => {
  await ack(); // an event: ack first; a redelivery of it to any replica is a duplicate (shared dedupe)
  log(`mention: ${event.text}`);
});
client.on('connected', ({ connection_id, num_connections }) =>
  log(`socket ${connection_id} live (Slack counts ${num_connections ?? '?'} for the app)`),
);
client.on('too_many_websockets', () => log('Slack refused a socket: too_many_websockets'));
client.on('error', (err) => log(`${err.code}: ${err.message}`));

// What this replica holds of the fleet's budget: leases in Redis, its fair share, the replicas it counts.
const status = () => {
  const s = fleet.status();
  return `leases ${s.leases} · share ${s.share} · replicas ${s.replicas} · live ${client.connectionCount}${s.degraded ? ' · Redis unreachable' : ''}`;
};
const every = setInterval(() => log(status()), Number(process.env.STATUS_EVERY_MS ?? 5000));

// SIGTERM (a rolling deploy, a container stop) or Ctrl-C: disconnect() opens no new socket, lets every envelope
// already received be acked (at most 3 s), closes, then releases this replica's leases so the others take them over
// at once (not after the lease TTL). A second signal closes at once. kill -9 releases nothing: the leases expire.
const stop = async () => {
  log('stopping: draining, then releasing the leases');
  clearInterval(every);
  await client.disconnect();
  await redis.quit().catch(() => {});
  log('stopped');
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await client.start();
log(`started: ${status()}`);
