// Bun's built-in RedisClient has ioredis's script calls, so redisFleet(ioredisScripts(...)) is tested on it for real
// (ioredis itself is not installed): two clients, budget 5, connections 4 each, against the simulator. They settle
// on 2 + 2 (one lease spare), then disconnect and release. Usage: bun test/helpers/redis-bun-fleet.ts <redisUrl>
// <appToken> <apiUrl>. Prints one JSON line.
import { SocketModeClient } from '../../src/index.ts';
import { ioredisScripts, redisFleet, type IoredisLike } from '../../src/redis/index.ts';

const g = globalThis as any;
const [url, appToken, apiUrl] = g.process.argv.slice(2).map(String);
const replica = () => {
  const fleet = redisFleet(ioredisScripts(new g.Bun.RedisClient(url) as IoredisLike), {
    budget: 5,
    leaseMs: 1500,
    renewMs: 300,
  });
  const client = new SocketModeClient({ appToken, apiUrl, connections: 4, fleet, logLevel: 'error' });
  return { fleet, client };
};
const rs = [replica(), replica()];
await Promise.all(rs.map((r) => r.client.start()));
const settled = () => rs.every((r) => r.fleet.status().share === 2 && r.client.connectionCount === 2);
// Bounded: 200 looks, 50 ms apart.
for (let i = 0; i < 200 && !settled(); i++) await new Promise((r) => setTimeout(r, 50));
const running = rs.map((r) => ({ ...r.fleet.status(), live: r.client.connectionCount }));
await Promise.all(rs.map((r) => r.client.disconnect()));
for (let i = 0; i < 100 && rs.some((r) => r.fleet.status().leases); i++) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ running, after: rs.map((r) => r.fleet.status().leases) }));
g.process.exit(0);
