// Our client with coalesceWrites: false: every ack is its own socket write, as raw and official do. Run beside
// `ours` so the report shows how much of our throughput comes from coalescing writes.
process.env.BENCH_OURS_OPTIONS = JSON.stringify({
  ...JSON.parse(process.env.BENCH_OURS_OPTIONS ?? '{}'),
  coalesceWrites: false,
});
await import('./ours.mjs');
