// Liveness where the runtime's socket can ping (ws on Node, Bun): a half-open connection — open as far as
// the runtime knows, but silent — is found by a missing pong and replaced make-before-break, with nobody's help;
// and with default options, a silently dead one (no close frame, Slack still routing into it) too.
import type { SocketModeClient } from '../../src/index.ts';
import { simCaller, type Check, type ScenarioReport } from './scenario.ts';

export async function runLiveness(env: {
  simUrl: string;
  runtime: string;
  createClient(): SocketModeClient;
  /** A client with default liveness options, for the silent-death check. */
  createDefaultClient?(): SocketModeClient;
}): Promise<ScenarioReport> {
  const checks: Check[] = [];
  const sim = simCaller(env.simUrl);
  const client = env.createClient();
  const connected: Array<{ connection_id: string; replaced?: string }> = [];
  client.on('connected', (e: any) => void connected.push(e));
  const acked: string[] = [];
  client.on('slack_event', ({ ack, envelope_id }: any) => {
    acked.push(envelope_id);
    void ack();
  });
  try {
    await client.start();
    await sim('/_sim/fault', { fault: 'half_open' });
    const end = Date.now() + 15_000;
    while (connected.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    checks.push({
      name: 'half-open socket replaced after a missed pong',
      ok: connected.length >= 2 && connected[1]!.replaced === connected[0]!.connection_id,
    });
    const env_ = await sim('/_sim/inject', { kind: 'message', text: 'after half-open' });
    const end2 = Date.now() + 10_000;
    while (!acked.includes(env_.envelope_id) && Date.now() < end2) await new Promise((r) => setTimeout(r, 20));
    checks.push({ name: 'envelopes flow on the replacement', ok: acked.includes(env_.envelope_id) });
  } catch (e) {
    checks.push({ name: 'liveness scenario ran', ok: false, detail: String((e as Error)?.message ?? e) });
  }
  await client.disconnect();
  if (env.createDefaultClient) await silentDeath(env.createDefaultClient(), sim, checks);
  return { runtime: env.runtime, ok: checks.every((c) => c.ok), checks };
}

/** The path dies without a close frame while envelopes flow; the default cadence replaces the socket. */
async function silentDeath(
  client: SocketModeClient,
  sim: (path: string, body?: unknown) => Promise<any>,
  checks: Check[],
): Promise<void> {
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
    const hello = await client.start();
    const first = hello.connection_id;
    // Idle first: a quiet, healthy socket is pinged (after 1 s without a frame) and must pong in time.
    await new Promise((r) => setTimeout(r, 2500));
    checks.push({ name: 'an idle healthy socket is not replaced', ok: events.length === 1, detail: events.join(', ') });
    let stop = false;
    const feed = (async () => {
      for (let i = 0; i < 1000 && !stop; i++) {
        await sim('/_sim/inject', { kind: 'message', text: `flow ${i}` });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const deathAt = Date.now();
    await sim('/_sim/fault', { fault: 'silent_death' });
    const end = Date.now() + 10_000;
    const replaced = (): boolean => events.some((e) => e.endsWith(`<${first}`));
    while (!replaced() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const deafMs = Date.now() - deathAt;
    stop = true;
    await feed;
    const verdict = events.indexOf('reconnecting:pong_timeout');
    checks.push({
      name: 'silently dead socket replaced after a missed pong (default options)',
      ok: replaced() && verdict >= 0 && verdict < events.findIndex((e) => e.endsWith(`<${first}`)),
      detail: `${deafMs} ms after the silent death; ${events.join(', ')}`,
    });
    const after = await sim('/_sim/inject', { kind: 'message', text: 'after silent death' });
    const end2 = Date.now() + 5000;
    while (!handled.has(after.payload.event_id) && Date.now() < end2) await new Promise((r) => setTimeout(r, 10));
    checks.push({
      name: 'envelopes flow on the replacement, none handled twice',
      ok: handled.has(after.payload.event_id) && [...handled.values()].every((n) => n === 1),
    });
  } catch (e) {
    checks.push({ name: 'silent-death scenario ran', ok: false, detail: String((e as Error)?.message ?? e) });
  }
  await client.disconnect();
}
