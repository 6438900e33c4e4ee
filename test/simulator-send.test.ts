// The control API's additions for the dev panel's envelope editor: /_sim/build (the envelope inject would send,
// not sent) and /_sim/send (a whole envelope as given, envelope fields included), over real loopback to a real
// client (CoreClient) that parses what arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { SocketModeClient } from '../src/platform/node.ts';

let sim: Simulator;
let client: SocketModeClient;
const seen: any[] = [];
beforeAll(async () => {
  sim = await startSimulator({ pingIntervalMs: 0 });
  client = new SocketModeClient({ appToken: sim.appToken, apiUrl: sim.apiUrl, logLevel: 'error', dedupe: false });
  client.on('slack_event', async (args: any) => {
    seen.push(args);
    await args.ack();
  });
  await client.start();
});
afterAll(async () => {
  await client?.disconnect();
  await sim?.close();
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${sim.url}/_sim/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};

describe('/_sim/build and /_sim/send', () => {
  it('build returns the envelope inject would send, and sends nothing', async () => {
    const before = sim.deliveries.length;
    const { status, json } = await post('build', { kind: 'slash_command', command: '/echo', text: 'x' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
    expect(json.payload).toMatchObject({ command: '/echo', text: 'x' });
    expect(json.payload.response_url.startsWith(`${sim.url}/response/`)).toBe(true);
    expect(sim.deliveries.length).toBe(before);
    expect((await post('build', { kind: 'nope' })).status).toBe(400);
  });

  it('send delivers the envelope exactly as given: retry fields on the envelope, acked as any other', async () => {
    const built = (await post('build', { kind: 'message', text: 'again' })).json;
    const env = { ...built, retry_attempt: 2, retry_reason: 'http_timeout' };
    const { status, json } = await post('send', { envelope: env });
    expect(status).toBe(200);
    expect(json.envelope.envelope_id).toBe(env.envelope_id);
    const ack = await sim.waitForAck(env.envelope_id);
    expect(ack.duplicate).toBe(false);
    const got = seen.find((a) => a.envelope_id === env.envelope_id);
    expect(got).toMatchObject({ retry_num: 2, retry_reason: 'http_timeout' });
    expect(got.body.event.retry_attempt).toBeUndefined();
    expect(sim.deliveries.find((d) => d.envelope_id === env.envelope_id)).toMatchObject({ retry_attempt: 2 });
  });

  it('send refuses what is no envelope, and a connection that is not open', async () => {
    for (const envelope of [
      undefined,
      [],
      { type: 'events_api', payload: {} },
      { envelope_id: 'x', payload: {} },
      { envelope_id: 'x', type: 'events_api' },
    ])
      expect((await post('send', { envelope })).json).toMatchObject({ ok: false, error: 'bad_envelope' });
    const built = (await post('build', { kind: 'message' })).json;
    expect((await post('send', { envelope: built, connectionId: 'conn-999' })).json).toMatchObject({
      ok: false,
      error: 'no_such_connection',
    });
  });
});
