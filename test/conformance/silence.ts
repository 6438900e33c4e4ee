// Where the runtime's socket cannot ping (Deno, Node's global WebSocket, browsers, workerd): a pool of 2 finds a
// member that died silently (no close frame, Slack still routing into it) by its silence while its sibling
// receives, and replaces it make-before-break; envelopes keep flowing and none is handled twice.
import type { SocketModeClient } from '../../src/index.ts';
import { simCaller, type Check, type ScenarioReport } from './scenario.ts';

export async function runSilence(env: {
  simUrl: string;
  runtime: string;
  createPool(): SocketModeClient;
}): Promise<ScenarioReport> {
  const checks: Check[] = [];
  const sim = simCaller(env.simUrl);
  const client = env.createPool();
  const events: string[] = [];
  const handled = new Map<string, number>();
  client.on('reconnecting', (e: any) => void events.push(`reconnecting:${e.reason}`));
  client.on('connected', (e: any) => void events.push(`connected:${e.connection_id}<${e.replaced ?? ''}`));
  client.on('slack_event', ({ ack, envelope_id, body }: any) => {
    const key = body?.event_id ?? envelope_id;
    handled.set(key, (handled.get(key) ?? 0) + 1);
    void ack();
  });
  try {
    await client.start();
    const full = Date.now() + 10_000;
    while (client.connectionCount < 2 && Date.now() < full) await new Promise((r) => setTimeout(r, 20));
    checks.push({ name: 'pool of 2 live', ok: client.connectionCount === 2 });
    let stop = false;
    const feed = (async () => {
      for (let i = 0; i < 1000 && !stop; i++) {
        await sim('/_sim/inject', { kind: 'message', text: `flow ${i}` });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const deathAt = Date.now();
    // A standard WebSocket cannot reset a socket: our close never reaches Slack, which routes into the dead path
    // until its own ping gives up (routeForMs; 3 s here, ~10 s at Slack). The verdict does not depend on it.
    await sim('/_sim/fault', { fault: 'silent_death', routeForMs: 3000 });
    const verdict = (): number => events.indexOf('reconnecting:silent');
    const replaced = (): boolean => verdict() >= 0 && events.slice(verdict()).some((e) => /<c\d+$/.test(e));
    const end = Date.now() + 15_000;
    while (!replaced() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const ms = Date.now() - deathAt;
    stop = true;
    await feed;
    checks.push({
      name: 'silent member replaced after its silence (no ping)',
      ok: replaced(),
      detail: `${ms} ms after the silent death; ${events.join(', ')}`,
    });
    checks.push({ name: 'one silence verdict', ok: events.filter((e) => e === 'reconnecting:silent').length === 1 });
    // Past routeForMs: Slack routes only to live members now.
    await new Promise((r) => setTimeout(r, Math.max(0, deathAt + 3500 - Date.now())));
    const after = await sim('/_sim/inject', { kind: 'message', text: 'after silent death' });
    const end2 = Date.now() + 5000;
    while (!handled.has(after.payload.event_id) && Date.now() < end2) await new Promise((r) => setTimeout(r, 10));
    checks.push({
      name: 'envelopes flow, none handled twice',
      ok: handled.has(after.payload.event_id) && [...handled.values()].every((n) => n === 1),
    });
  } catch (e) {
    checks.push({ name: 'silence scenario ran', ok: false, detail: String((e as Error)?.message ?? e) });
  }
  await client.disconnect();
  return { runtime: env.runtime, ok: checks.every((c) => c.ok), checks };
}
