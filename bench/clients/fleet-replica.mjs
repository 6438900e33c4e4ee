// One replica for bench/fleet.mjs: the built client (dist/) against a simulator, with the dedupe store or fleet named
// by MODE: memory (the default in-memory store), redis-dedupe (redisDedupeStore), fleet (redisFleet: leases and the
// shared store). Acks every envelope at once. Prints one JSON line per fact the bench times: ready, each socket live
// (the simulator's connection id), the fleet's status on demand (a line "status" on stdin), a burst's timing (after
// "expect <n>" on stdin: first handler call to n-th ack, wall and CPU of this process). SIGTERM: disconnect().
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { SocketModeClient } from '../../dist/platform/node.js';
import { redisDedupeStore, redisFleet } from '../../dist/redis/index.js';

const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const mode = process.env.MODE ?? 'memory';
let redis;
if (mode !== 'memory') {
  redis = createClient({ url: process.env.REDIS_URL });
  redis.on('error', () => {});
  await redis.connect();
}
const fleet = mode === 'fleet' ? redisFleet(redis) : undefined;
const client = new SocketModeClient({
  appToken: process.env.APP_TOKEN,
  apiUrl: process.env.API_URL,
  logLevel: 'error',
  connections: Number(process.env.CONNECTIONS ?? 1),
  ...(mode === 'redis-dedupe' ? { dedupe: redisDedupeStore(redis) } : {}),
  ...(fleet ? { fleet } : {}),
});
let errors = 0;
client.on('error', () => errors++);
// A burst, timed in this process: from the first handler call to the n-th ack made (wall and this process's CPU).
let expect = 0;
let seen = 0;
let t0 = 0;
let cpu0;
client.on('slack_event', ({ ack }) => {
  void ack();
  if (!expect) return;
  if (seen++ === 0) {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
  }
  if (seen === expect) {
    const cpu = process.cpuUsage(cpu0);
    out({ ev: 'burst', n: expect, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    expect = 0;
  }
});
client.on('connected', (c) =>
  out({ ev: 'live', conn: `conn-${/applink-sim-(\d+)/.exec(c.debug_info?.host ?? '')?.[1]}` }),
);
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l === 'status') out({ ev: 'status', errors, live: client.connectionCount, ...fleet?.status() });
  const m = /^expect (\d+)$/.exec(l);
  if (m) {
    expect = Number(m[1]);
    seen = 0;
    out({ ev: 'expecting' });
  }
});
process.on('SIGTERM', () =>
  client.disconnect().then(async () => {
    await redis?.quit().catch(() => {});
    process.exit(0);
  }),
);
await client.start();
out({ ev: 'ready' });
