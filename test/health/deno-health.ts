// Deno: createHealthHandler() served by Deno.serve on loopback, probed with fetch while the client starts and stops.
// Usage: deno run --allow-net=127.0.0.1 test/health/deno-health.ts <simUrl> <appToken>
import { SocketModeClient, createHealthHandler } from '../../src/index.ts';

const g = globalThis as any;
const [simUrl, appToken] = g.Deno.args as [string, string];
const client = new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any });
const server = g.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, createHealthHandler(client));
const url = `http://127.0.0.1:${server.addr.port}/healthz`;
const get = async () => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};
const before = await get();
await client.start();
const ready = await get();
await client.disconnect();
const after = await get();
await server.shutdown();
console.log('HEALTH ' + JSON.stringify({ before: before.status, ready: ready.status, status: ready.body.status, live: ready.body.liveConnections, after: after.status }));
