// client.health() and createHealthHandler(): what a readiness/liveness probe sees, against the simulator over real
// loopback sockets. Asserts states and counts, never times (beyond "a time was recorded").
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createHealthHandler, healthSignal, type HealthReport } from '../src/index.ts';
import { openConnectionUrl } from '../src/core/web-api.ts';
import { CoreClient } from '../src/core/index.ts';
import { toNodeListener } from '../src/platform/node-http.ts';
import { harness, until, type Harness } from './helpers/client-harness.ts';
import { root } from './helpers/bundle.ts';

let h: Harness | undefined;
const servers: Server[] = [];
const cores: CoreClient[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.disconnect();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await h?.cleanup();
  h = undefined;
});

describe('client.health()', () => {
  test('before start: down, not ready, live (nothing to restart); JSON-serialisable', async () => {
    h = await harness();
    const r = h.client().health();
    expect(r).toMatchObject({
      status: 'down',
      ready: false,
      live: true,
      state: 'idle',
      startedAt: null,
      liveConnections: 0,
      poolSize: 1,
    });
    expect(r.connections).toEqual([]);
    expect(r.lastError).toBeNull();
    expect(r.lastReconnect).toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  for (const [name, make] of [
    ['full client', (h: Harness) => h.client()],
    [
      'core client',
      (h: Harness) => {
        // A CoreClient reports through the health feature it is given (the value answers health()).
        const signal = healthSignal();
        const c = new CoreClient({
          appToken: h.sim.appToken,
          apiUrl: h.sim.apiUrl,
          logger: h.logger,
          WebSocket: WebSocket as never,
          features: [signal],
        });
        cores.push(c);
        return Object.assign(c, { health: signal.health });
      },
    ],
  ] as const) {
    test(`${name}: after hello ok and ready, one live connection with a last frame time; after disconnect() down`, async () => {
      h = await harness();
      const client = make(h);
      await client.start();
      const r = client.health();
      expect(r).toMatchObject({
        status: 'ok',
        ready: true,
        live: true,
        state: 'connected',
        liveConnections: 1,
        poolSize: 1,
        acksInFlight: 0,
        downSince: null,
      });
      expect(r.startedAt).toBeGreaterThan(0);
      expect(r.connections).toHaveLength(1);
      expect(r.connections[0]).toMatchObject({ slot: 0, state: 'live', draining: false, dead: false, unacked: 0 });
      expect(r.connections[0]!.lastFrameAt).toBeGreaterThan(0); // the hello
      await client.disconnect();
      const d = client.health();
      // Deliberately stopped: not ready, and nothing a restart would fix.
      expect(d).toMatchObject({
        status: 'down',
        ready: false,
        live: true,
        state: 'disconnected',
        liveConnections: 0,
        connections: [],
      });
    });
  }

  test('a pool of 2 with one socket dropped: degraded, a reconnect recorded, then ok again', async () => {
    h = await harness();
    const client = h.client({ connections: 2 });
    await client.start();
    await until(() => client.health().status === 'ok', 'pool of 2 live');
    expect(client.health().liveConnections).toBe(2);
    const victim = h.sim.connections().find((c) => c.state === 'live')!.id;
    const seen: HealthReport[] = [];
    client.on('reconnecting', () => seen.push(client.health()));
    h.sim.drop({ connectionId: victim });
    await until(() => seen.length > 0, 'reconnecting');
    expect(seen[0]).toMatchObject({ status: 'degraded', ready: true, live: true, liveConnections: 1 });
    expect(seen[0]!.lastReconnect).toMatchObject({ makeBeforeBreak: false });
    expect(seen[0]!.lastReconnect!.reason).toMatch(/^closed/);
    expect(seen[0]!.lastReconnect!.at).toBeGreaterThan(0);
    await until(() => client.health().status === 'ok', 'pool back to 2');
    expect(client.health()).toMatchObject({ liveConnections: 2, ready: true });
  });

  test('acks in flight count envelopes whose handler has not acked; 0 once it has', async () => {
    h = await harness();
    const client = h.client();
    const pending: Array<() => Promise<void>> = [];
    client.on('slash_commands', ({ ack }) => void pending.push(ack));
    await client.start();
    h.sim.inject('slash_command', { command: '/a' });
    h.sim.inject('slash_command', { command: '/b' });
    await until(() => pending.length === 2, 'two deliveries');
    const r = client.health();
    expect(r.acksInFlight).toBe(2);
    expect(r.connections[0]!.unacked).toBe(2);
    await pending[0]!();
    expect(client.health().acksInFlight).toBe(1);
    await pending[1]!();
    expect(client.health().acksInFlight).toBe(0);
  });

  test('an ack made while no socket is open is in flight (queued) until a socket takes it', async () => {
    h = await harness();
    const sim = h.sim;
    // The reconnect waits on this test: the window with no socket lasts exactly as long as the test wants.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let opens = 0;
    const client = h.client({
      openConnection: async () => {
        if (opens++ > 0) await held;
        return openConnectionUrl({ appToken: sim.appToken, apiUrl: sim.apiUrl });
      },
    });
    const pending: Array<() => Promise<void>> = [];
    client.on('slash_commands', ({ ack }) => void pending.push(ack));
    await client.start();
    sim.inject('slash_command', { command: '/held' });
    await until(() => pending.length === 1, 'delivery');
    sim.drop();
    await until(() => client.connectionIds.length === 0, 'socket gone');
    const acked = pending[0]!();
    const r = client.health();
    expect(r).toMatchObject({ status: 'down', ready: false, live: true, acksInFlight: 1, connections: [] });
    expect(r.downSince).toBeGreaterThan(0);
    release();
    await acked; // sent on the next hello
    expect(client.health()).toMatchObject({ status: 'ok', acksInFlight: 0, downSince: null });
  });

  test('the last error after a malformed frame: code, message, time; never a token', async () => {
    h = await harness();
    const client = h.client();
    client.on('error', () => {});
    await client.start();
    h.sim.sendRaw(`{"not json ${h.sim.appToken} xoxb-1-secret-bot-token`);
    await until(() => client.health().lastError !== null, 'error recorded');
    const r = client.health();
    expect(r.lastError).toMatchObject({ code: 'malformed_frame' });
    expect(r.lastError!.at).toBeGreaterThan(0);
    expect(JSON.stringify(r)).not.toMatch(/xapp-1|xoxb-1/);
    expect(r.status).toBe('ok'); // one bad frame does not take the connection down
  });

  test('a fatal error (bad token): stopped, not live — a restart is what an operator wants to know about', async () => {
    h = await harness();
    const client = h.client({ appToken: 'xapp-1-A111-1-not-the-simulators' });
    client.on('error', () => {});
    await client.start().catch(() => undefined);
    await until(() => client.state === 'disconnected', 'stopped');
    const r = client.health();
    expect(r).toMatchObject({ status: 'down', ready: false, live: false, state: 'disconnected' });
    expect(r.lastError?.code).toBeTruthy();
    expect(JSON.stringify(r)).not.toContain('xapp-1');
  });

  test('running with no live connection for longer than maxDownMs: not live (maxDownMs 0: at once)', async () => {
    h = await harness();
    // A transient fault the client keeps retrying (link_disabled would stop it: a fatal error, not this case).
    h.sim.failNextOpen({ status: 500 }, 1000);
    const client = h.client();
    client.on('error', () => {});
    void client.start().catch(() => undefined);
    await until(() => client.state === 'starting' || client.state === 'reconnecting', 'running');
    const r = client.health({ maxDownMs: 0 });
    // Only a later report (the clock moved on) can be past 0 ms; the default (2 minutes) is not.
    await until(() => client.health({ maxDownMs: 0 }).live === false, 'not live past 0 ms');
    expect(r.ready).toBe(false);
    expect(client.health()).toMatchObject({ live: true, ready: false, status: 'down' });
    expect(client.health().downSince).toBeGreaterThan(0);
  });
});

async function serve(handler: (req: Request) => Response): Promise<string> {
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
}

describe('createHealthHandler()', () => {
  test('on node:http (toNodeListener): 503 before start, 200 when ready, 503 after disconnect; no-store; HEAD; 405', async () => {
    h = await harness();
    const client = h.client();
    const url = await serve(createHealthHandler(client));
    const before = await fetch(url);
    expect(before.status).toBe(503);
    expect(before.headers.get('cache-control')).toBe('no-store');
    expect(((await before.json()) as HealthReport).status).toBe('down');
    await client.start();
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toMatchObject({ status: 'ok', ready: true, liveConnections: 1 });
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${url}?probe=nope`)).status).toBe(400);
    await client.disconnect();
    expect((await fetch(url)).status).toBe(503); // not ready
    expect((await fetch(`${url}?probe=live`)).status).toBe(200); // stopped on purpose: nothing to restart
  });

  test('liveness probe: 503 once stopped by a fatal error; the body carries no token', async () => {
    h = await harness();
    const client = h.client({ appToken: 'xapp-1-A111-1-wrong-token-value' });
    client.on('error', () => {});
    const url = await serve(createHealthHandler(client, { probe: 'live' }));
    expect((await fetch(url)).status).toBe(200); // idle: live
    await client.start().catch(() => undefined);
    await until(() => client.state === 'disconnected', 'stopped');
    const res = await fetch(url);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/xapp-|xoxb-/);
    expect(JSON.parse(text)).toMatchObject({ live: false, lastError: { code: expect.any(String) } });
    expect((await fetch(`${url}?probe=ready`)).status).toBe(503);
  });

  test('redacts a token that reached a report through an error (the handler redacts once more)', async () => {
    const report = {
      status: 'down',
      ready: false,
      live: false,
      lastError: { code: 'x', message: 'token xoxb-1-leak-me and xapp-1-A1-1-leak' },
    };
    const res = createHealthHandler({ health: () => report as unknown as HealthReport })(
      new Request('http://127.0.0.1/healthz'),
    );
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/xoxb-1-leak|xapp-1-A1/);
    expect(text).toContain('[REDACTED]');
  });

  for (const [runtime, args] of [
    ['deno', ['run', '--allow-net=127.0.0.1', 'test/health/serve-health.ts']],
    ['bun', ['test/health/serve-health.ts']],
  ] as const) {
    test(`${runtime === 'deno' ? 'Deno.serve' : 'Bun.serve'} with the same handler: 503 idle, 200 when ready, 503 after disconnect()`, async () => {
      h = await harness();
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(join(root, 'node_modules/.bin', runtime), [...args, h!.sim.url, h!.sim.appToken], {
          cwd: root,
          env: { ...process.env, NO_COLOR: '1' },
        });
        let text = '';
        let err = '';
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${runtime} did not exit\n${text}\n${err}`));
        }, 60_000);
        child.stdout.on('data', (d) => (text += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', () => {
          clearTimeout(timer);
          const line = text.split('\n').find((l) => l.startsWith('HEALTH '));
          line ? resolve(line.slice(7)) : reject(new Error(`no report\n${text}\n${err}`));
        });
      });
      expect(JSON.parse(out)).toEqual({ before: 503, ready: 200, status: 'ok', live: 1, after: 503 });
    }, 90_000);
  }
});
