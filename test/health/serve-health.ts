// Deno and Bun: createHealthHandler() served by the runtime's own server (Deno.serve, Bun.serve) on loopback,
// probed with fetch while the client starts and stops. Prints one `HEALTH {…}` line.
// Usage: deno run --allow-net=127.0.0.1 test/health/serve-health.ts <simUrl> <appToken>
//        bun test/health/serve-health.ts <simUrl> <appToken>
import { SocketModeClient, createHealthHandler } from '../../src/index.ts';

const g = globalThis as any;
const [simUrl, appToken] = (g.Deno ? g.Deno.args : g.process.argv.slice(2)) as [string, string];
const client = new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any });
const handler = createHealthHandler(client);
const server = g.Deno
  ? g.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, handler)
  : g.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
const url = `http://127.0.0.1:${g.Deno ? server.addr.port : server.port}/healthz`;
const get = async () => {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
};
const before = await get();
await client.start();
const ready = await get();
await client.disconnect();
const after = await get();
await (g.Deno ? server.shutdown() : server.stop(true));
console.log(
  'HEALTH ' +
    JSON.stringify({
      before: before.status,
      ready: ready.status,
      status: ready.body.status,
      live: ready.body.liveConnections,
      after: after.status,
    }),
);
