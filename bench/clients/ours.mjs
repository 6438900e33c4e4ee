// Client under test: socket-mode-anywhere, the built package (dist/), Node entry (ws via isomorphic-ws
// on Node 20). Default options except the API URL (the simulator) and log level.
// BENCH_OURS_DIST=/abs/path/to/dist runs another build of ours (e.g. to try a fix) instead of ../../dist.
// BENCH_OURS_OPTIONS='{"coalesceWrites":false}' adds client options (the ours-uncoalesced client uses it).
import { pathToFileURL } from 'node:url';
import { runClient } from './harness.mjs';

const entry = process.env.BENCH_OURS_DIST
  ? pathToFileURL(`${process.env.BENCH_OURS_DIST}/platform/node.js`).href
  : new URL('../../dist/platform/node.js', import.meta.url).href;
const { SocketModeClient } = await import(entry);

runClient({
  name: 'ours',
  describe: `socket-mode-anywhere (${process.env.BENCH_OURS_DIST ? process.env.BENCH_OURS_DIST : 'dist'}/platform/node.js), default options (apiUrl -> simulator)`,
  autoAcks: false,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    const extra = JSON.parse(process.env.BENCH_OURS_OPTIONS ?? '{}');
    const client = new SocketModeClient({ appToken, apiUrl, logLevel: 'error', ...extra });
    client.on('slack_event', onEnvelope);
    client.on('error', onError); // counted and reported, see harness.mjs
    return {
      start: () => client.start(),
      stop: () => client.disconnect(),
    };
  },
});
