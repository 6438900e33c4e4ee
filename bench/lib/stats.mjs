// Small numeric helpers shared by the bench modules.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);

export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** Block this thread (and its event loop) until `file` exists or `maxMs` passes. */
import { existsSync } from 'node:fs';
export function holdUntilFile(file, maxMs) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + maxMs;
  while (!existsSync(file) && Date.now() < end) Atomics.wait(cell, 0, 0, 1);
}
