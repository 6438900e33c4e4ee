// The child-process side shared by every client under test. A client module supplies an adapter:
//   { name, describe, autoAcks, create({ apiUrl, appToken, onEnvelope }) -> { start(), stop() } }
// where onEnvelope(args) gets { ack() } (unless autoAcks: the raw client acks before calling it).
// The orchestrator drives this process over IPC; it runs with --expose-gc.
import { performance } from 'node:perf_hooks';
import { serve } from '../lib/rpc.mjs';
import { holdUntilFile, sleep } from '../lib/stats.mjs';

const gc = () => {
  if (!globalThis.gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) globalThis.gc();
};

// JS heap plus ArrayBuffer backing stores (typed arrays, Buffers): memory a client holds outside the JS heap
// (our dedupe tables are typed arrays) counts too.
const memUsed = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** The runtime this client process runs on (the runtimes section starts clients on Bun and Deno too). */
export function runtimeName() {
  if (typeof Bun !== 'undefined') return `Bun ${Bun.version}`;
  if (typeof Deno !== 'undefined') return `Deno ${Deno.version.deno}`;
  return `Node ${process.version}`;
}

export function runClient(adapter) {
  let clients = [];
  let mode = 'noop';
  let handled = 0;
  let target = Infinity;
  let onTarget = () => {};
  // Every 'error' the client emits, and every ack promise that rejects (nobody awaits it in the 0 ms handler):
  // counted and reported with each measure, so a client that fails quietly does not look fine. An unhandled
  // rejection would otherwise end this process.
  let errors = 0;
  const errorSamples = [];
  const onError = (err) => {
    errors++;
    if (errorSamples.length < 5)
      errorSamples.push(String(err?.name ? `${err.name}: ${err.message}` : err).slice(0, 200));
  };
  process.on('unhandledRejection', onError);

  const done = () => {
    if (++handled === target) onTarget();
  };
  // Handlers as each library's docs recommend: ack first, then do the work.
  const onEnvelope = (args) => {
    if (mode === 'noop') {
      if (!adapter.autoAcks) args.ack();
      done();
      return;
    }
    // slow: 50 ms of async work after the ack
    (async () => {
      if (!adapter.autoAcks) await args.ack();
      await sleep(50);
      done();
    })().catch(onError);
  };

  const make = (apiUrl, appToken) => adapter.create({ apiUrl, appToken, onEnvelope, onError });

  const untilHandled = (n, timeoutMs) =>
    new Promise((resolve, reject) => {
      target = handled + n;
      if (handled >= target) return resolve();
      const t = setTimeout(() => reject(new Error(`handled ${handled}/${target} after ${timeoutMs} ms`)), timeoutMs);
      onTarget = () => {
        clearTimeout(t);
        target = Infinity;
        resolve();
      };
    });

  async function stopAll() {
    await Promise.all(clients.map((c) => c.stop()));
    clients = [];
  }

  serve({
    info: () => ({
      name: adapter.name,
      describe: adapter.describe,
      pid: process.pid,
      node: process.version,
      runtime: runtimeName(),
    }),

    async connect({ apiUrl, appToken }) {
      const c = make(apiUrl, appToken);
      clients.push(c);
      await c.start();
      return { pid: process.pid };
    },

    setMode({ mode: m }) {
      mode = m;
    },

    /**
     * Pipelined throughput: tell the parent we hold, block this event loop until `file` exists (the
     * simulator injected everything meanwhile, so the envelopes wait in socket buffers), then drain:
     * wall and CPU time from release to the n-th handled (acked) envelope.
     */
    async throughput({ n, file, maxHoldMs = 30_000, timeoutMs = 60_000 }, progress) {
      mode = 'noop';
      handled = 0;
      const errors0 = errors;
      await progress('holding');
      holdUntilFile(file, maxHoldMs);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await untilHandled(n, timeoutMs);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      return { n, wallMs, cpuMs, perSec: (n / wallMs) * 1000, perCpuSec: (n / cpuMs) * 1000, errors: errors - errors0 };
    },

    /** Envelopes handled and client errors so far (the latency and refresh runs report the errors). */
    async handledCount() {
      return { handled, errors, errorSamples };
    },

    heap() {
      gc();
      return { heapUsed: memUsed() };
    },

    /**
     * N idle clients, each with its own live connection. Marginal memory per client: heapUsed + arrayBuffers after gc
     * with n clients minus with n/5 clients, divided by the difference (fixed costs cancel out); also
     * the plain (n clients - baseline) / n.
     */
    async idleHeap({ apiUrl, appToken, n }) {
      await stopAll();
      // Warm-up: one client connects and stops first, so lazily loaded modules (undici's fetch, ws
      // internals) and one-off caches are not charged to the measured clients.
      const warm = make(apiUrl, appToken);
      await warm.start();
      await warm.stop();
      await sleep(100);
      gc();
      const base = memUsed();
      const settle = async () => {
        await sleep(300); // let connection setup garbage become collectable
        gc();
        return memUsed();
      };
      const k = Math.max(1, Math.floor(n / 5));
      let atK = 0;
      for (let i = 0; i < n; i++) {
        const c = make(apiUrl, appToken);
        clients.push(c);
        await c.start(); // one at a time: connections.open is serialized anyway
        if (i + 1 === k) atK = await settle();
      }
      const atN = await settle();
      return { n, k, base, atK, atN, perClientBytes: (atN - atK) / (n - k), avgPerClientBytes: (atN - base) / n };
    },

    async stop() {
      await stopAll();
      return { errors, errorSamples };
    },
  });
}
