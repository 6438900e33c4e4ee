// Tiny request/response over a Node IPC channel (child_process.fork), used between the orchestrator
// (bench/run.mjs) and its children (bench/sim-host.mjs, bench/clients/*.mjs).
// A request is { id, cmd, args }; the answer is { id, ok: true, result } or { id, ok: false, error };
// a child may also send { id, progress } before the answer (e.g. "holding").
import { fork } from 'node:child_process';

/**
 * Parent side: fork `file`, return { call(cmd, args, onProgress?), kill(), child }. `execPath` runs it on another
 * runtime that speaks Node's IPC channel (Bun; Deno with execArgv ['run', ...permissions]).
 */
export function spawnChild(file, { execPath, execArgv = [], env = {} } = {}) {
  const child = fork(file, [], {
    ...(execPath ? { execPath } : {}),
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map();
  const failAll = (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    if ('progress' in m) return p.onProgress?.(m.progress);
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`${file}: ${m.error}`));
  });
  child.on('exit', (code, signal) => failAll(new Error(`${file} exited (${code ?? signal})`)));
  const ready = new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(`unexpected first message ${m}`))));
    child.once('exit', () => reject(new Error(`${file} exited before it was ready`)));
  });
  return {
    child,
    ready,
    call(cmd, args = {}, onProgress, timeoutMs = 120_000) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${file}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (fn) => (v) => {
          clearTimeout(timer);
          fn(v);
        };
        pending.set(id, { resolve: done(resolve), reject: done(reject), onProgress });
        child.send({ id, cmd, args });
      });
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Closing the IPC channel makes the child exit(0) by itself (so --cpu-prof can write its profile).
      const exited = new Promise((r) => child.once('exit', r));
      if (child.connected) child.disconnect();
      const term = setTimeout(() => child.kill('SIGTERM'), 3000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 6000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

/** Child side: serve `handlers[cmd](args, progress)`; tell the parent we are ready. */
export function serve(handlers) {
  process.on('message', async (m) => {
    if (!m || typeof m !== 'object' || !('cmd' in m)) return;
    const fn = handlers[m.cmd];
    const progress = (p) => new Promise((r) => process.send({ id: m.id, progress: p }, () => r()));
    try {
      if (!fn) throw new Error(`unknown command ${m.cmd}`);
      const result = await fn(m.args ?? {}, progress);
      process.send({ id: m.id, ok: true, result: result ?? null });
    } catch (err) {
      process.send({ id: m.id, ok: false, error: err?.stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send('ready');
}
