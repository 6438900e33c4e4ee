// Client under test on Bun or Deno (the runtimes section starts it with that runtime's binary): socket-mode-anywhere,
// the built package (dist/), through the entry package.json's exports map gives this runtime (its `bun` or `deno`
// condition, else `default`), so it runs on the runtime's own WebSocket, as a user's app would. Default options
// except the API URL (the simulator) and log level. No write batching exists there (coalesceWrites has nothing to
// cork), so this is ours as those runtimes get it.
// BENCH_OURS_DIST=/abs/path/to/dist runs another build of ours (e.g. to try a fix) instead of ../../dist.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runClient, runtimeName } from './harness.mjs';

const condition = typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno' : 'node';
const pkgUrl = new URL('../../package.json', import.meta.url);
const exp = JSON.parse(readFileSync(pkgUrl, 'utf8')).exports['.'];
let target = exp;
while (target && typeof target === 'object') target = target[condition] ?? target.import ?? target.default;
const file = process.env.BENCH_OURS_DIST
  ? pathToFileURL(`${process.env.BENCH_OURS_DIST}/${target.replace(/^\.\/dist\//, '')}`).href
  : new URL(target, pkgUrl).href;
const { SocketModeClient } = await import(file);

runClient({
  name: 'ours-web',
  describe: `socket-mode-anywhere (${target}, package.json's "${condition}" export) on ${runtimeName()}'s global WebSocket, default options (apiUrl -> simulator)`,
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
