// A real redis-server for the fleet tests: on a free loopback port, persistence off, stopped after. stop() and
// start() again (same port) let a test take Redis away mid-run and bring it back.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** (Re)starts it on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it (SIGTERM) and waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that hangs (connections stay open, nothing answers), then comes back. */
  pause(): void;
  resume(): void;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** One PING over a raw socket: true when the server answers +PONG. */
const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });

export async function startRedisServer(bin = '/usr/bin/redis-server'): Promise<RedisServer> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let stderr = '';
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (proc) return;
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
      const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      proc = p;
      // Bounded: 100 tries, 50 ms apart.
      for (let i = 0; i < 100; i++) {
        if (p.exitCode !== null) break;
        if (await ping(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      await server.stop();
      throw new Error(`redis-server did not answer on port ${port}: ${stderr.slice(0, 500)}`);
    },
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      p.kill('SIGCONT'); // a paused server handles its SIGTERM once it runs again
      await exited;
    },
  };
  await server.start();
  return server;
}
