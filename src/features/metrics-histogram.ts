// A histogram with fixed buckets: one array of counts made once, so observing a value allocates nothing (it runs for
// every ack). Bounds are upper bounds, inclusive (Prometheus `le`); a value above the last goes to +Inf.

/** Ack latency buckets in ms: fine below Slack's 3 s deadline, with 3000 itself a bound. */
export const ACK_LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 10000];

/** A histogram as plain data: `counts[i]` is the number of values ≤ `bounds[i]` (cumulative); +Inf is `count`. */
export interface HistogramSnapshot {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
}

export interface Histogram {
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export const newHistogram = (bounds: readonly number[]): Histogram => ({
  bounds,
  counts: new Array<number>(bounds.length + 1).fill(0),
  sum: 0,
  count: 0,
});

export function record(h: Histogram, value: number): void {
  const b = h.bounds;
  let i = 0;
  while (i < b.length && value > b[i]!) i++;
  h.counts[i]!++;
  h.sum += value;
  h.count++;
}

export function histogramSnapshot(h: Histogram): HistogramSnapshot {
  let n = 0;
  const counts = h.bounds.map((_, i) => (n += h.counts[i]!));
  return { bounds: [...h.bounds], counts, sum: h.sum, count: h.count };
}
