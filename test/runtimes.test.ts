// One conformance scenario (test/conformance/scenario.ts), run unchanged on every runtime's real binary,
// each against the simulator over real loopback sockets. Each runtime is its own test: its own pass/fail.
// Also: the Node platform entry picks ws as its default WebSocket.
import { Miniflare } from 'miniflare';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, test } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle, root } from './helpers/bundle.ts';
import { captureLogger, harness, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ refreshWarningLeadMs: 300, refreshCloseDelayMs: 200 });
});
afterAll(async () => {
  await sim?.close();
});

interface Report {
  runtime: string;
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; detail?: string }>;
}

/** Runs a runtime binary; a binary that cannot start is a failure with its own message. */
function runProcess(cmd: string, args: string[], timeoutMs = 60_000): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not exit within ${timeoutMs} ms (a timer or socket left open?)\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${cmd}: ${e.message}. Run \`npm ci\` (it installs deno and bun from npm).`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('CONFORMANCE '));
      if (!line) return reject(new Error(`${cmd} exited ${code} without a report\nstdout: ${out}\nstderr: ${err}`));
      resolve(JSON.parse(line.slice('CONFORMANCE '.length)));
    });
  });
}

function expectConformant(report: Report, runtime: string, minChecks = 10): void {
  const failed = report.checks.filter((c) => !c.ok);
  expect(failed, `${runtime} failed checks: ${JSON.stringify(failed, null, 1)}`).toEqual([]);
  expect(report.checks.length).toBeGreaterThanOrEqual(minChecks);
  expect(report.ok).toBe(true);
}

const bin = (name: string) => join(root, 'node_modules/.bin', name);

describe('conformance on every runtime', () => {
  it('Node 20 + isomorphic-ws', async () => {
    const file = await bundle('test/conformance/entry-node-ws.ts', 'node-ws', 'node');
    expectConformant(await runProcess(process.execPath, [file, sim.url, sim.appToken, 'node-ws']), 'node-ws');
  });

  it("Node's global WebSocket (--experimental-websocket)", async () => {
    const file = await bundle('test/conformance/entry.ts', 'node-global', 'browser');
    expectConformant(
      await runProcess(process.execPath, ['--experimental-websocket', file, sim.url, sim.appToken, 'node-global']),
      'node-global',
    );
  });

  it('Deno (global WebSocket, --allow-net=127.0.0.1 only)', async () => {
    expectConformant(
      await runProcess(bin('deno'), [
        'run',
        '--allow-net=127.0.0.1',
        'test/conformance/entry.ts',
        sim.url,
        sim.appToken,
        'deno',
      ]),
      'deno',
    );
  });

  it('Deno without --allow-net: start() rejects once with why (no endless retry)', async () => {
    expectConformant(
      await runProcess(bin('deno'), [
        'run',
        '--no-prompt',
        'test/conformance/entry.ts',
        sim.url,
        sim.appToken,
        'deno-no-net',
        'no-net',
      ]),
      'deno-no-net',
      3,
    );
  });

  it('Bun (global WebSocket)', async () => {
    expectConformant(await runProcess(bin('bun'), ['test/conformance/entry.ts', sim.url, sim.appToken, 'bun']), 'bun');
  });

  it('workerd: the client inside a Durable Object (miniflare)', async () => {
    const file = await bundle('test/conformance/worker.ts', 'workerd-conformance', 'workerd');
    const mf = new Miniflare({
      modules: true,
      scriptPath: file,
      compatibilityDate: '2026-04-01',
      durableObjects: { CONFORMANCE: 'ConformanceObject' },
    });
    try {
      const res = await mf.dispatchFetch(
        `http://conformance.local/run?sim=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.appToken)}`,
      );
      expectConformant((await res.json()) as Report, 'workerd');
    } finally {
      await mf.dispose();
    }
  });
});

// The core client alone (socket-mode-anywhere/core: no dedupe, pings, coalescing or handler bound) passes the
// same scenario on the runtimes whose bundles it is for. (Chromium: test/browser/conformance.spec.ts.)
describe('the core client on every runtime', () => {
  it("Node's global WebSocket", async () => {
    const file = await bundle('test/conformance/entry.ts', 'node-global', 'browser');
    expectConformant(
      await runProcess(process.execPath, [
        '--experimental-websocket',
        file,
        sim.url,
        sim.appToken,
        'node-global-core',
        'core',
      ]),
      'node-global-core',
    );
  });

  it('Deno', async () => {
    expectConformant(
      await runProcess(bin('deno'), [
        'run',
        '--allow-net=127.0.0.1',
        'test/conformance/entry.ts',
        sim.url,
        sim.appToken,
        'deno-core',
        'core',
      ]),
      'deno-core',
    );
  });

  it('Bun', async () => {
    expectConformant(
      await runProcess(bin('bun'), ['test/conformance/entry.ts', sim.url, sim.appToken, 'bun-core', 'core']),
      'bun-core',
    );
  });

  it('workerd (inside a Durable Object)', async () => {
    const file = await bundle('test/conformance/worker.ts', 'workerd-conformance', 'workerd');
    const mf = new Miniflare({
      modules: true,
      scriptPath: file,
      compatibilityDate: '2026-04-01',
      durableObjects: { CONFORMANCE: 'ConformanceObject' },
    });
    try {
      const res = await mf.dispatchFetch(
        `http://conformance.local/run?client=core&sim=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.appToken)}`,
      );
      expectConformant((await res.json()) as Report, 'workerd-core');
    } finally {
      await mf.dispose();
    }
  });
});

describe('ping-based liveness where the socket can ping', () => {
  it('Node 20 + ws: a half-open socket is found by a missing pong and replaced', async () => {
    const file = await bundle('test/conformance/entry-node-ws.ts', 'node-ws', 'node');
    expectConformant(
      await runProcess(process.execPath, [file, sim.url, sim.appToken, 'node-ws', 'liveness']),
      'node-ws',
      5,
    );
  });

  it('Node with a global WebSocket (as on Node 22+, via --experimental-websocket): the node entry still uses ws and pings', async () => {
    const file = await bundle('test/conformance/entry-node-ws.ts', 'node-ws', 'node');
    expectConformant(
      await runProcess(process.execPath, [
        '--experimental-websocket',
        file,
        sim.url,
        sim.appToken,
        'node-ws',
        'liveness',
      ]),
      'node-ws',
      2,
    );
  });

  it("Bun: the same, with Bun's own ping()", async () => {
    const report = await runProcess(bin('bun'), [
      'test/conformance/entry.ts',
      sim.url,
      sim.appToken,
      'bun',
      'liveness',
    ]);
    console.log(`bun silent death: ${report.checks.find((c) => c.name.startsWith('silently dead'))?.detail}`);
    expectConformant(report, 'bun', 5);
  });
});

describe('silence in a pool where the socket cannot ping', () => {
  it("Node's global WebSocket (--experimental-websocket): a silently dead member of a pool of 2 is replaced", async () => {
    const file = await bundle('test/conformance/entry.ts', 'node-global', 'browser');
    const report = await runProcess(process.execPath, [
      '--experimental-websocket',
      file,
      sim.url,
      sim.appToken,
      'node-global',
      'silence',
    ]);
    console.log(`node-global silence: ${report.checks.find((c) => c.name.startsWith('silent member'))?.detail}`);
    expectConformant(report, 'node-global', 4);
  }, 90_000);

  it('Deno: the same', async () => {
    const report = await runProcess(bin('deno'), [
      'run',
      '--allow-net=127.0.0.1',
      'test/conformance/entry.ts',
      sim.url,
      sim.appToken,
      'deno',
      'silence',
    ]);
    console.log(`deno silence: ${report.checks.find((c) => c.name.startsWith('silent member'))?.detail}`);
    expectConformant(report, 'deno', 4);
  }, 90_000);

  it('workerd (inside a Durable Object): the same', async () => {
    const file = await bundle('test/conformance/worker.ts', 'workerd-conformance', 'workerd');
    const mf = new Miniflare({
      modules: true,
      scriptPath: file,
      compatibilityDate: '2026-04-01',
      durableObjects: { CONFORMANCE: 'ConformanceObject' },
    });
    try {
      const res = await mf.dispatchFetch(
        `http://conformance.local/run?scenario=silence&sim=${encodeURIComponent(sim.url)}&token=${encodeURIComponent(sim.appToken)}`,
      );
      const report = (await res.json()) as Report;
      console.log(`workerd silence: ${report.checks.find((c) => c.name.startsWith('silent member'))?.detail}`);
      expectConformant(report, 'workerd', 4);
    } finally {
      await mf.dispose();
    }
  }, 90_000);
});

describe('node platform entry', () => {
  test('registers ws (through the proxy networking) as the default, over a global WebSocket too', async () => {
    const node = await import('../src/platform/node.ts');
    const { resolveWebSocket } = await import('../src/transport/websocket.ts');
    const ws = (await import('ws')).default;
    h = await harness();
    const { logger } = captureLogger();
    const client = new node.SocketModeClient({ appToken: h.sim.appToken, apiUrl: h.sim.apiUrl, logger });
    client.on('slack_event', ({ ack }) => ack());
    await client.start();
    const env = h.sim.inject('app_mention');
    await h.sim.waitForAck(env.envelope_id, 5000);
    await client.disconnect();
    // ws itself, or the class that gives ws its proxy agent.
    const isWs = (ctor: unknown): boolean => ctor === ws || (ctor as { prototype?: unknown }).prototype instanceof ws;
    expect(isWs(resolveWebSocket({}))).toBe(true);
    // A Node 22+-style global does not displace it; an explicit option always wins.
    const g = globalThis as { WebSocket?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, 'WebSocket');
    class GlobalWebSocket {}
    g.WebSocket = GlobalWebSocket;
    try {
      expect(isWs(resolveWebSocket({}))).toBe(true);
      expect(resolveWebSocket({ WebSocket: GlobalWebSocket as never })).toBe(GlobalWebSocket);
    } finally {
      if (had) Object.defineProperty(g, 'WebSocket', had);
      else delete g.WebSocket;
    }
  });
});
