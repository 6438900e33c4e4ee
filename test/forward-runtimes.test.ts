// The forwarder on Deno's and Bun's own binaries (test/conformance/forward-entry.ts): Web Crypto signing, the
// runtime's fetch to its own HTTP server on loopback, a fetch handler target; the simulator records the acks.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { root } from './helpers/bundle.ts';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.close();
});

function run(cmd: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin', cmd), args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('FORWARD '));
      if (!line) return reject(new Error(`${cmd} exited ${code} without a report\nstdout: ${out}\nstderr: ${err}`));
      resolve(JSON.parse(line.slice('FORWARD '.length)));
    });
  });
}

it.each([
  ['deno', ['run', '--allow-net=127.0.0.1', 'test/conformance/forward-entry.ts']],
  ['bun', ['test/conformance/forward-entry.ts']],
])(
  '%s: commands to its own HTTP server, the rest to a handler; every answer is the ack',
  async (cmd, args) => {
    const report = (await run(cmd, [...args, sim.url, sim.appToken])) as Array<Record<string, unknown>>;
    const byKind = Object.fromEntries(report.map((d) => [d['kind'], d]));
    expect(Object.keys(byKind).sort()).toEqual(['commands', 'events', 'interactivity']);
    for (const d of report) expect(d).toMatchObject({ status: 200, acked: true });
    expect(String(byKind['commands']!['target'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/commands$/);
    expect(byKind['events']!['target']).toBe('handler');
    const payloads = sim.acks.map((a) => a.payload);
    expect(payloads).toContainEqual({ text: `${cmd}: hi` });
    expect(payloads).toContainEqual({ options: [{ text: { type: 'plain_text', text: 'r' }, value: 'r' }] });
    expect(sim.acks).toHaveLength(3);
  },
  60_000,
);
