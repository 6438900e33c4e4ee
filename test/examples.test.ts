// Each runtime's echo example, run as a user runs it (its own binary, env vars, SIGTERM to stop), against the
// simulator: a mention is answered through chat.postMessage, /echo through the ack payload.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bundle, root } from './helpers/bundle.ts';
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
