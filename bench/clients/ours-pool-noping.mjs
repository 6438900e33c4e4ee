// Our client as it runs where the socket cannot ping (Deno, browsers, workerd, Node's undici WebSocket): ws with
// pingIntervalMs: 0, in a pool of 2, so a dead member is found by silence (src/features/silence.ts). Faults only.
process.env.BENCH_OURS_OPTIONS = JSON.stringify({
  ...JSON.parse(process.env.BENCH_OURS_OPTIONS ?? '{}'),
  connections: 2,
  pingIntervalMs: 0,
});
await import('./ours.mjs');
