// Public surface of the simulator: startSimulator() wires the HTTP server, the link, delivery, faults
// and records together. Node only (uses node:http and `ws`).
import { createServer } from 'node:http';
import { classifyClientFrame } from './client-frames.ts';
import { Dispatcher } from './delivery.ts';
import { Faults } from './faults.ts';
import { Feed } from './feed.ts';
import { createHttpHandler } from './http.ts';
import { Link } from './link.ts';
import { EnvelopeLinks } from './links.ts';
import { OpenGate } from './open-gate.ts';
import { resolveOptions } from './options.ts';
import { Records } from './records.ts';
import { SimulatorImpl } from './simulator.ts';
import { TimerBag } from './timers.ts';
import { WebState } from './web-state.ts';
import type { Simulator, SimulatorOptions } from './types.ts';
import { createUpgradeHandler } from './upgrade.ts';

export type * from './types.ts';
export { INJECT_KINDS } from './types.ts';

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveOptions(options);
  const timers = new TimerBag();
  const records = new Records();
  const link = new Link(opts, timers, records);
  const dispatcher = new Dispatcher(opts, timers, records, link);
  const faults = new Faults(opts, link, records);
  const gate = new OpenGate(opts.openRateLimit);
  const state = new WebState({ teamId: opts.teamId, appId: opts.appId, now: opts.now });
  const links = new EnvelopeLinks();
  dispatcher.onSent = (env, conn) => {
    state.learn(env);
    links.sent(env, conn);
  };
  let sim: SimulatorImpl | undefined;
  let feed: Feed | undefined;

  link.hooks = {
    onLive: (conn) => {
      if (opts.autoRefresh && opts.approximateConnectionTimeSec > 0) {
        // Slack's own refresh, approximate_connection_time after hello; the warning goes out the lead before.
        const at = Math.max(0, opts.approximateConnectionTimeSec * 1000 - opts.refreshWarningLeadMs);
        link.connTimer(conn, Math.min(at, 2 ** 31 - 1), () => {
          if (conn.state === 'live' && !conn.warned)
            faults.refresh({ connectionId: conn.id, warning: true, auto: true });
        });
      }
      dispatcher.flush();
    },
    onFrame: (conn, data, isBinary) => {
      const f = classifyClientFrame(data, isBinary);
      if (f.kind === 'ack') dispatcher.onAck(conn, f.envelope_id, f.payload, f.hasPayload, f.frame);
      else {
        opts.log(`link: ${conn.id} sent a bad frame (${f.reason})`);
        records.addBadFrame({ connectionId: conn.id, reason: f.reason, sample: f.sample, at: Date.now() });
      }
    },
  };

  const server = createServer();
  server.on('request', (req, res) => {
    if (!sim) return void res.writeHead(503).end();
    handler(req, res);
  });
  // feed is set with sim, once the server listens: before that, upgrades are refused (503).
  server.on('upgrade', createUpgradeHandler({ link, feed: () => feed }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  sim = new SimulatorImpl(server, opts, timers, records, link, dispatcher, faults, gate, () => feed);
  const s = sim;
  feed = new Feed(records, () => s.state());
  const handler = createHttpHandler({
    opts,
    records,
    gate,
    state,
    sim,
    linkUrl: (label?: string) =>
      `${s.url.replace(/^http/, 'ws')}/link/?ticket=${link.issueTicket(label)}&app_id=${encodeURIComponent(opts.appId)}`,
    tokenLabels: link.tokenLabels,
    links,
    deliver: (env, connectionId) => dispatcher.deliver(env, true, connectionId),
  });
  opts.log(`simulator: listening on ${sim.url}`);
  return sim;
}
