// Liveness where the runtime's socket can ping (ws on Node, Bun): a half-open connection — open as far as
// the runtime knows, but silent — is found by a missing pong and replaced make-before-break, with nobody's help.
import type { SocketModeClient } from '../../src/index.ts';
import type { Check, ScenarioReport } from './scenario.ts';

export async function runLiveness(env: { simUrl: string; runtime: string; createClient(): SocketModeClient }): Promise<ScenarioReport> {
  const checks: Check[] = [];
  const sim = async (path: string, body?: unknown): Promise<any> =>
    (await fetch(env.simUrl + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
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
    checks.push({ name: 'half-open socket replaced after a missed pong', ok: connected.length >= 2 && connected[1]!.replaced === connected[0]!.connection_id });
    const env_ = await sim('/_sim/inject', { kind: 'message', text: 'after half-open' });
    const end2 = Date.now() + 10_000;
    while (!acked.includes(env_.envelope_id) && Date.now() < end2) await new Promise((r) => setTimeout(r, 20));
    checks.push({ name: 'envelopes flow on the replacement', ok: acked.includes(env_.envelope_id) });
  } catch (e) {
    checks.push({ name: 'liveness scenario ran', ok: false, detail: String((e as Error)?.message ?? e) });
  }
  await client.disconnect();
  return { runtime: env.runtime, ok: checks.every((c) => c.ok), checks };
}
