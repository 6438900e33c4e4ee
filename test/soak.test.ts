// Soak: 100,000 envelopes through a pool of 2 (with refreshes and drops along the way) in a child
// `node --expose-gc` process (test/helpers/soak-child.ts, bundled with esbuild). Memory (heapUsed after gc)
// and open handles (process.getActiveResourcesInfo()) must plateau: after a warm-up that fills every bounded
// cache (the dedupe store's 50k keys, the simulator's 10k-record logs), the heap's growth is fitted per 10k
// envelopes and must stay under a bound a real per-envelope leak exceeds many times over. A second, short run
// with a planted leak (handlers keep their arguments) shows the same detector fails it.
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { bundle, root } from './helpers/bundle.ts';

interface Point {
  checkpoint: number;
  heapUsed: number;
  resources: Record<string, number>;
  sockets: number;
  simOpen: number;
  handlers: { active: number; queued: number };
  handled: number;
  ms: number;
}
interface Done {
  done: true;
  sent: number;
  handled: number;
  acked: number;
  errors: number;
  missed: number;
  leaked: number;
  /** Liveness verdicts on sockets the simulator never made dead (test/helpers/false-alarms.ts). */
  unneeded: string[];
}

async function run(env: Record<string, string>): Promise<{ points: Point[]; done: Done }> {
  const script = await bundle('test/helpers/soak-child.ts', 'soak-child', 'node');
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=512', script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, `soak child failed:\n${stderr}\n${stdout.slice(-2000)}`).toBe(0);
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { points: lines.filter((l) => 'checkpoint' in l), done: lines.find((l) => l.done) };
}

/** Least-squares slope of heapUsed over envelopes, scaled to bytes per 10k envelopes. */
function growthPer10k(points: Point[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.checkpoint, 0) / n;
  const my = points.reduce((s, p) => s + p.heapUsed, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.checkpoint - mx) * (p.heapUsed - my);
    den += (p.checkpoint - mx) ** 2;
  }
  return (num / den) * 10_000;
}

const MB = 1024 * 1024;
/** Bound on heap growth per 10k envelopes once warm: ~50 bytes an envelope. A leak of anything per envelope
 *  (its args, a closure, a timer, a map entry) costs far more than that. */
const MAX_GROWTH_PER_10K = 0.5 * MB;

function verdict(points: Point[], warmup: number) {
  const plateau = points.filter((p) => p.checkpoint > warmup);
  const half = Math.floor(plateau.length / 2);
  const mean = (ps: Point[]): number => ps.reduce((s, p) => s + p.heapUsed, 0) / ps.length;
  return {
    plateau,
    growthPer10k: growthPer10k(plateau),
    halves: { first: mean(plateau.slice(0, half)), second: mean(plateau.slice(half)) },
  };
}

test('soak: 100k envelopes, heap and open handles flat after warm-up', async () => {
  const total = Number(process.env.SOAK_TOTAL ?? 100_000);
  const { points, done } = await run({ SOAK_ENVELOPES: String(total), SOAK_CHECKPOINT: '10000' });
  const fmt = (b: number): string => `${(b / MB).toFixed(2)} MB`;
  console.log(
    'soak',
    JSON.stringify({
      done,
      heap: points.map((p) => `${p.checkpoint / 1000}k:${fmt(p.heapUsed)}`),
      resources: points.map((p) => Object.values(p.resources).reduce((a, b) => a + b, 0)),
      ms: points.at(-1)?.ms,
    }),
  );
  // Everything went through, exactly once, on time.
  expect(done.sent).toBe(total);
  expect(done.handled).toBe(total);
  expect(done.acked).toBe(total);
  expect(done.missed).toBe(0);
  expect(done.errors).toBe(0);
  expect(done.unneeded).toEqual([]);
  expect(points.length).toBe(total / 10_000);

  // Heap: flat once warm (the first 40% fills every bounded cache).
  const v = verdict(points, total * 0.4);
  expect(v.plateau.length).toBeGreaterThanOrEqual(4);
  expect(v.growthPer10k, `heap grows ${fmt(v.growthPer10k)} per 10k envelopes`).toBeLessThan(MAX_GROWTH_PER_10K);
  expect(v.halves.second - v.halves.first, 'second half of the plateau vs first').toBeLessThan(2 * MB);

  // Open handles: the same sockets and timers at the end as in the first half, nothing accumulating.
  const total0 = (p: Point): number => Object.values(p.resources).reduce((a, b) => a + b, 0);
  const firstHalf = points.slice(0, Math.ceil(points.length / 2));
  const secondHalf = points.slice(Math.ceil(points.length / 2));
  const maxFirst = Math.max(...firstHalf.map(total0));
  expect(Math.max(...secondHalf.map(total0)), JSON.stringify(points.map((p) => p.resources))).toBeLessThanOrEqual(
    maxFirst + 2,
  );
  for (const type of new Set(points.flatMap((p) => Object.keys(p.resources)))) {
    const first = Math.max(...firstHalf.map((p) => p.resources[type] ?? 0));
    const last = Math.max(...secondHalf.map((p) => p.resources[type] ?? 0));
    expect(last, `${type} handles`).toBeLessThanOrEqual(first + 2);
  }
  for (const p of points) {
    expect(p.sockets).toBe(2);
    expect(p.handlers).toEqual({ active: 0, queued: 0 });
  }
}, 180_000);

test('the detector fails a planted leak (handlers keep their arguments)', async () => {
  const { points, done } = await run({ SOAK_ENVELOPES: '30000', SOAK_CHECKPOINT: '5000', SOAK_LEAK: '1' });
  expect(done.leaked).toBe(30_000);
  const v = verdict(points, 10_000);
  console.log('planted leak', JSON.stringify({ growthPer10kMB: (v.growthPer10k / MB).toFixed(2) }));
  expect(v.growthPer10k).toBeGreaterThan(MAX_GROWTH_PER_10K);
}, 120_000);
