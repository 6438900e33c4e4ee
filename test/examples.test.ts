// Each runtime's echo example, run as a user runs it (its own binary, env vars, SIGTERM to stop), against the
// simulator: a mention is answered through chat.postMessage, /echo through the ack payload.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle, root } from './helpers/bundle.ts';
import { startRedisServer } from './helpers/redis-server.ts';
import { until } from './helpers/wait.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
});

const bin = (name: string) => join(root, 'node_modules/.bin', name);

/**
 * A Web API in front of the simulator's, over loopback, that can hold chat.postMessage calls (so a handler is
 * caught mid-way) until released.
 */
async function holdingProxy(): Promise<{
  url: string;
  held: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}> {
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  const state = {
    url: '',
    held: 0,
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => {
      gate = undefined;
      open();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (gate && req.url?.endsWith('/chat.postMessage')) {
      state.held++;
      await gate;
    }
    const r = await fetch(new URL(req.url!.replace(/^\/api\//, ''), sim.apiUrl), {
      method: req.method,
      headers: {
        authorization: req.headers.authorization ?? '',
        'content-type': req.headers['content-type'] ?? 'application/json',
      },
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return state;
}

async function exercise(cmd: string, args: string[]): Promise<void> {
  const proxy = await holdingProxy();
  try {
    await run(cmd, args, proxy);
  } finally {
    proxy.release();
    await proxy.close();
  }
}

async function run(cmd: string, args: string[], proxy: Awaited<ReturnType<typeof holdingProxy>>): Promise<void> {
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    env: {
      ...process.env,
      SLACK_APP_TOKEN: sim.appToken,
      SLACK_BOT_TOKEN: sim.botToken,
      SLACK_API_URL: proxy.url,
      NO_COLOR: '1',
    },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    await until(() => sim.connections().some((c) => c.state === 'live'), 20_000, `${cmd} to connect\n${output}`);
    const tag = Math.random().toString(36).slice(2);
    const mention = sim.inject('app_mention', { text: `<@U0BOT> hi ${tag}`, channel: 'C0EXAMPLE' });
    const ack = await sim.waitForAck(mention.envelope_id);
    expect(ack.payload).toBeUndefined();
    await until(
      () => sim.posted.some((p) => (p.body as any)?.text === `echo: <@U0BOT> hi ${tag}`),
      10_000,
      'the reply',
    );
    const slash = sim.inject('slash_command', { command: '/echo', text: tag });
    expect((await sim.waitForAck(slash.envelope_id)).payload).toEqual({ text: `echo: ${tag}` });
    expect(output).not.toContain(sim.appToken);
    expect(output).not.toContain(sim.botToken);

    // SIGTERM while an envelope is in its handler (its chat.postMessage held by the proxy, the ack still to
    // come): disconnect() keeps the socket open for that ack, then the process exits 0.
    proxy.hold();
    const busy = sim.inject('slash_command', { command: '/echo', text: `busy ${tag}` });
    await until(() => proxy.held > 0, 10_000, 'the handler to be in its chat.postMessage');
    child.kill('SIGTERM');
    // Time for a client that closes at once to do so (not an assertion: the drain allows up to 3 s).
    await new Promise((r) => setTimeout(r, 300));
    proxy.release();
    expect((await sim.waitForAck(busy.envelope_id)).payload).toEqual({ text: `echo: busy ${tag}` });
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGTERM');
  }
  // SIGTERM → disconnect() → a clean exit 0, with every socket closed.
  expect(await exited).toBe(0);
  await until(() => !sim.connections().some((c) => c.state === 'live'), 5_000, 'the socket to close');
}

describe('examples', () => {
  it('examples/node (Node 20, ws)', async () => {
    const file = await bundle('examples/node/echo-bot.mjs', 'example-node', 'node');
    await exercise(process.execPath, [file]);
  });

  it('examples/deno (least permissions)', async () => {
    await exercise(bin('deno'), [
      'run',
      '--import-map=test/helpers/deno-import-map.json',
      '--allow-net=127.0.0.1',
      '--allow-env=SLACK_APP_TOKEN,SLACK_BOT_TOKEN,SLACK_API_URL',
      'examples/deno/echo-bot.ts',
    ]);
  });

  it('examples/bun', async () => {
    await exercise(bin('bun'), ['--preload', './test/helpers/bun-source-package.ts', 'examples/bun/echo-bot.ts']);
  });

  it('examples/fleet (3 replicas, one Redis: the budget shared, a slash command answered, SIGTERM)', async () => {
    const redis = await startRedisServer();
    const file = await bundle('examples/fleet/replica.mjs', 'example-fleet', 'node');
    // What the simulator holds at most at once: sockets opened and not closed (refused ones included).
    let maxHeld = 0;
    let refused = 0;
    const off = sim.on('connection', (c: { change: string }) => {
      if (c.change === 'too_many_websockets') refused++;
      maxHeld = Math.max(maxHeld, sim.connections().filter((x) => x.state !== 'closed').length);
    });
    const replicas = ['r1', 'r2', 'r3'].map((name) => {
      const child = spawn(process.execPath, [file], {
        cwd: root,
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          SLACK_APP_TOKEN: sim.appToken,
          SLACK_API_URL: sim.apiUrl,
          REPLICA: name,
          STATUS_EVERY_MS: '200',
        },
      });
      const r = { name, child, output: '', exited: new Promise<number | null>((res) => child.on('close', res)) };
      child.stdout!.on('data', (d) => (r.output += d));
      child.stderr!.on('data', (d) => (r.output += d));
      return r;
    });
    /** A replica's last status line: leases, share, replicas, live. */
    const status = (r: (typeof replicas)[number]) => {
      const m = [...r.output.matchAll(/leases (\d+) · share (\d+) · replicas (\d+) · live (\d+)/g)].at(-1);
      return m ? { leases: +m[1]!, share: +m[2]!, replicas: +m[3]!, live: +m[4]! } : undefined;
    };
    try {
      // Shared: every replica counts 3, holds its share live (≥ 1 each), and the shares fit Slack's 10.
      await until(
        () =>
          replicas.every((r) => {
            const s = status(r);
            return s !== undefined && s.replicas === 3 && s.share >= 1 && s.live === s.share;
          }),
        20_000,
        `the fleet to settle\n${replicas.map((r) => r.output.slice(-500)).join('\n')}`,
      );
      const shares = replicas.map((r) => status(r)!.share);
      expect(shares.reduce((a, b) => a + b)).toBeLessThanOrEqual(10);
      expect(sim.connections().filter((c) => c.state === 'live')).toHaveLength(shares.reduce((a, b) => a + b));
      const slash = sim.inject('slash_command', { command: '/work', text: 'hi' });
      expect((await sim.waitForAck(slash.envelope_id)).payload).toEqual({
        text: expect.stringMatching(/^done by r[123]: hi$/),
      });
      for (const r of replicas) r.child.kill('SIGTERM');
      expect(await Promise.all(replicas.map((r) => r.exited))).toEqual([0, 0, 0]);
      await until(() => !sim.connections().some((c) => c.state === 'live'), 5_000, 'the sockets to close');
      expect(maxHeld).toBeLessThanOrEqual(10);
      expect(refused).toBe(0);
      for (const r of replicas) {
        expect(r.output).toContain(`[${r.name}] stopped`);
        expect(r.output).not.toContain(sim.appToken);
      }
    } finally {
      off();
      for (const r of replicas) r.child.kill('SIGKILL');
      await redis.stop();
    }
  });
});

// `dev` restarts the bot when its process exits; the example's health server must not keep a stopped bot alive.
describe('examples/node stopped for good', () => {
  it('exits (1) on link_disabled, with HEALTH_PORT serving: a supervisor (or `dev`) can start it again', async () => {
    const own = await startSimulator();
    const file = await bundle('examples/node/echo-bot.mjs', 'example-node', 'node');
    const port = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const child = spawn(process.execPath, [file], {
      cwd: root,
      env: {
        ...process.env,
        SLACK_APP_TOKEN: own.appToken,
        SLACK_BOT_TOKEN: own.botToken,
        SLACK_API_URL: own.apiUrl,
        HEALTH_PORT: String(port),
      },
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      await until(() => own.connections().some((c) => c.state === 'live'), 20_000, `the bot to connect\n${output}`);
      await until(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
        10_000,
        'its health to be served',
      );
      const res = await fetch(`${own.url}/_sim/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault: 'link_disabled' }),
      });
      expect(res.status).toBe(200);
      expect(await exited).toBe(1);
      expect(output).toContain('link_disabled');
    } finally {
      child.kill('SIGTERM');
      await own.close();
    }
  });
});
