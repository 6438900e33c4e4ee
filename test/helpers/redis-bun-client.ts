// Bun's built-in RedisClient has ioredis's script calls (evalsha/eval with a key count), so ioredisScripts() is
// tested on it for real (ioredis itself is not installed). Two replicas' stores claim one key; one acks it.
// Usage: bun test/helpers/redis-bun-client.ts <redisUrl>. Prints one JSON line.
import { ioredisScripts, redisDedupeStore, type IoredisLike } from '../../src/redis/index.ts';

const g = globalThis as any;
const url = String(g.process.argv[2]);
const conn = (): IoredisLike & { get(k: string): Promise<string | null> } => new g.Bun.RedisClient(url);
const [ra, rb] = [conn(), conn()];
const a = redisDedupeStore(ioredisScripts(ra));
const b = redisDedupeStore(ioredisScripts(rb));
const claims = await Promise.all([a.seen('event:bun'), b.seen('event:bun')]);
await (claims[0] === false ? a : b).acked('event:bun');
const value = await ra.get('sma:dedupe:event:bun');
const again = await Promise.all([a.seen('event:bun'), b.seen('event:bun')]);
console.log(JSON.stringify({ claims, value, again }));
g.process.exit(0);
