// coalesceWrites: on ws (Node) the acks written while one network read's frames are handled leave the client's
// TCP socket in one write, not one write per ack. Counted on the real net.Socket under a real ws client.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { harness, until, type Harness } from './helpers/client-harness.ts';
import type { SocketModeOptions } from '../src/index.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

/** ws with its socket's write entry points counted (the ones Node's Writable calls per flushed batch). */
function countingWebSocket(): { Ctor: SocketModeOptions['WebSocket']; writes: () => number; reset(): void } {
  let writes = 0;
  class Counting extends WebSocket {
    constructor(url: string) {
      super(url);
      this.once('open', () => {
        const sock = (this as unknown as { _socket: Record<string, (...a: unknown[]) => unknown> })._socket;
        for (const m of ['_write', '_writev']) {
          const orig = sock[m]!;
          sock[m] = function (this: unknown, ...a: unknown[]) {
            writes++;
            return orig.apply(this, a);
          };
        }
      });
    }
  }
  return {
    Ctor: Counting as unknown as SocketModeOptions['WebSocket'],
    writes: () => writes,
    reset: () => (writes = 0),
  };
}

async function burst(coalesceWrites: boolean): Promise<{ acked: number; writes: number }> {
  h = await harness();
  const { sim } = h;
  const ws = countingWebSocket();
  const client = h.client({ WebSocket: ws.Ctor, coalesceWrites, pingIntervalMs: 0 });
  let handled = 0;
  client.on('slack_event', ({ ack }) => {
    handled++;
    void ack();
  });
  await client.start();
  await until(() => sim.connections().length === 1, 'connected');
  ws.reset();
  const N = 50;
  const ids = [];
  // One synchronous loop: the frames reach the client in a few network reads.
  for (let i = 0; i < N; i++) ids.push(sim.inject('app_mention').envelope_id);
  await Promise.all(ids.map((id) => sim.waitForAck(id, 5000)));
  expect(handled).toBe(N);
  return { acked: ids.length, writes: ws.writes() };
}

describe('coalesceWrites (ws on Node)', () => {
  test('on (default): 50 acks for a burst leave in a handful of writes, every one acked', async () => {
    const r = await burst(true);
    expect(r.acked).toBe(50);
    expect(r.writes).toBeLessThanOrEqual(10);
  });

  test('off: one write per ack', async () => {
    const r = await burst(false);
    expect(r.acked).toBe(50);
    expect(r.writes).toBeGreaterThanOrEqual(50);
  });
});
