import { test } from 'vitest';
import { harness, until, delay } from './helpers/client-harness.ts';
test('ghost', async () => {
  const h = await harness({});
  const c = h.client({ connections: 2, pingIntervalMs: 100, pongTimeoutMs: 200, closeTimeoutMs: 200 });
  const hellos: any[] = [];
  c.on('connected', (e) => void hellos.push([e.connection_id, e.num_connections]));
  await c.start();
  await until(() => c.connectionCount === 2);
  const live = h.sim.connections().filter((x) => x.state === 'live');
  h.sim.halfOpen({ connectionId: live[0]!.id });
  await until(() => hellos.length === 3, 'third', 5000);
  await delay(1000);
  console.log(hellos, h.sim.connections().map((x) => [x.id, x.state]), c.connectionIds);
  await h.cleanup();
});
