// The one conformance scenario every runtime runs unchanged: Node (ws and global WebSocket), Deno, Bun,
// workerd (inside a Durable Object) and Chromium. It talks to the simulator over real loopback sockets and
// drives it through the simulator's HTTP control API, so it needs nothing but fetch and the client.
// The core client's type: the full client (src/index.ts) extends it, so either runs here.
import type { CoreClient } from '../../src/core/index.ts';

export interface ScenarioEnv {
  /** Simulator base URL, e.g. http://127.0.0.1:3300 */
  simUrl: string;
  /** Builds the client the runtime's way (its WebSocket, apiUrl or openConnection hook). */
  createClient(): CoreClient;
  runtime: string;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ScenarioReport {
  runtime: string;
  ok: boolean;
  checks: Check[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The simulator's HTTP control API: GET `path`, or POST `body` as JSON; its JSON answer (an HTTP error throws). */
export function simCaller(simUrl: string): (path: string, body?: unknown) => Promise<any> {
  return async (path, body) => {
    const res = await fetch(
      simUrl + path,
      body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status}`);
    return res.json();
  };
}

export async function runConformance(env: ScenarioEnv): Promise<ScenarioReport> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) =>
    checks.push({ name, ok, ...(detail ? { detail } : {}) });

  const sim = simCaller(env.simUrl);

  const client = env.createClient();
  const received: Array<{ kind: string; envelope_id: string; body: any }> = [];
  const errors: Array<{ code?: string; message: string }> = [];
  let hellos = 0;

  client.on('connected', () => {
    hellos++;
  });
  client.on('error', (e: any) => {
    errors.push({ code: e?.code, message: String(e?.message ?? e) });
  });
  client.on('app_mention', ({ ack, envelope_id, body }: any) => {
    received.push({ kind: 'app_mention', envelope_id, body });
    void ack();
  });
  client.on('message', ({ ack, envelope_id, body }: any) => {
    received.push({ kind: 'message', envelope_id, body });
    void ack();
  });
  client.on('slash_commands', ({ ack, envelope_id, body }: any) => {
    received.push({ kind: 'slash_commands', envelope_id, body });
    void ack(`pong ${body.text}`);
  });
  client.on('interactive', ({ ack, envelope_id, body }: any) => {
    received.push({ kind: body.type, envelope_id, body });
    if (body.type === 'view_submission') void ack({ response_action: 'errors', errors: { b1: 'bad value' } });
    else if (body.type === 'block_suggestion')
      void ack({ options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }] });
    else void ack();
  });

  let expectedAcks: Array<{ envelope_id: string; payload: unknown }> = [];
  try {
    // 1. connect
    await client.start();
    check('start resolves on hello', hellos >= 1, `hellos=${hellos}`);
    // Counters (acks, gap clock) start now that this client is live: earlier runs share the simulator.
    await sim('/_sim/reset', {});

    // 2. every envelope type, acked with its payload
    const injected: Record<string, string> = {};
    for (const [kind, fields] of [
      ['app_mention', { text: '<@U0BOT> hello conformance' }],
      ['slash_command', { command: '/echo', text: 'ping' }],
      ['block_actions', {}],
      ['view_submission', {}],
      ['block_suggestion', {}],
    ] as const) {
      const env_ = await sim('/_sim/inject', { kind, ...fields });
      injected[kind] = env_.envelope_id;
    }
    await until(() => received.length >= 5, 10_000, 'five envelopes');
    check(
      'every envelope type reaches its handler',
      ['app_mention', 'slash_commands', 'block_actions', 'view_submission', 'block_suggestion'].every((k) =>
        received.some((r) => r.kind === k),
      ),
      received.map((r) => r.kind).join(','),
    );
    const slash = received.find((r) => r.kind === 'slash_commands');
    check('slash command body typed', slash?.body?.command === '/echo' && slash?.body?.text === 'ping');
    expectedAcks = [
      { envelope_id: injected.app_mention!, payload: undefined },
      { envelope_id: injected.slash_command!, payload: { text: 'pong ping' } },
      { envelope_id: injected.block_actions!, payload: undefined },
      { envelope_id: injected.view_submission!, payload: { response_action: 'errors', errors: { b1: 'bad value' } } },
      {
        envelope_id: injected.block_suggestion!,
        payload: { options: [{ text: { type: 'plain_text', text: 'One' }, value: '1' }] },
      },
    ];

    // 3. a malformed frame never reaches user code, and the next envelope is still acked
    const before = received.length;
    await sim('/_sim/fault', { fault: 'malformed', frame: '{"envelope_id":"x","type":"events_api","payload":' });
    await sim('/_sim/fault', { fault: 'malformed', frame: '[1,2,3]' });
    const after = await sim('/_sim/inject', { kind: 'message', text: 'after garbage' });
    await until(
      () => received.some((r) => r.envelope_id === after.envelope_id),
      10_000,
      'envelope after malformed frames',
    );
    check(
      'malformed frames never reach handlers',
      received.length === before + 1,
      `received ${received.length - before}`,
    );
    check(
      'malformed frames reported as typed errors',
      errors.filter((e) => e.code === 'malformed_frame').length >= 2,
      JSON.stringify(errors),
    );
    expectedAcks.push({ envelope_id: after.envelope_id, payload: undefined });

    // 4. refresh (warning -> refresh_requested -> close) while events flow: zero gap, nothing lost
    const hellosBefore = hellos;
    await sim('/_sim/fault', { fault: 'refresh' });
    const during: string[] = [];
    for (let i = 0; i < 20 && hellos === hellosBefore; i++) {
      during.push((await sim('/_sim/inject', { kind: 'message', text: `during refresh ${i}` })).envelope_id);
      await sleep(50);
    }
    await until(() => hellos > hellosBefore, 15_000, 'replacement hello');
    for (let i = 0; i < 3; i++)
      during.push((await sim('/_sim/inject', { kind: 'message', text: `after refresh ${i}` })).envelope_id);
    await until(
      () => during.every((id) => received.some((r) => r.envelope_id === id)),
      15_000,
      'envelopes around the refresh',
    ).catch(async (e) => {
      const missing = during.filter((id) => !received.some((r) => r.envelope_id === id));
      const st = await sim('/_sim/state');
      const where = st.deliveries.filter((d: any) => missing.includes(d.envelope_id));
      throw new Error(`${e.message}: missing ${JSON.stringify(where)}; connections ${JSON.stringify(st.connections)}`);
    });
    for (const id of during) expectedAcks.push({ envelope_id: id, payload: undefined });
    check('refresh: replacement connection opened', hellos > hellosBefore, `hellos=${hellos}`);

    // 4b. a warned socket, then Slack closes it with a reason of its own longer than a close frame holds (123
    // bytes): every runtime's close() throws on such a reason, and the socket must still close cleanly (1000),
    // not be dropped later without a close frame.
    const warned = (await sim('/_sim/state')).connections.find((c: any) => c.state === 'live' && !c.warned)?.id as
      string | undefined;
    if (!warned) throw new Error('no live connection after the refresh');
    const hellosBeforeWarning = hellos;
    await sim('/_sim/fault', {
      fault: 'malformed',
      connectionId: warned,
      frame: JSON.stringify({ type: 'disconnect', reason: 'warning' }),
    });
    await until(() => hellos > hellosBeforeWarning, 15_000, 'replacement hello after a warning');
    const longReason = `host_maintenance_${'é'.repeat(60)}`;
    await sim('/_sim/fault', {
      fault: 'malformed',
      connectionId: warned,
      frame: JSON.stringify({ type: 'disconnect', reason: longReason }),
    });
    let closedAs: any;
    const gone = Date.now() + 10_000;
    while (Date.now() < gone) {
      closedAs = (await sim('/_sim/state')).connections.find((c: any) => c.id === warned);
      if (closedAs?.state === 'closed') break;
      await sleep(20);
    }
    check(
      'a disconnect reason too long for a close frame: the socket still closes with 1000',
      closedAs?.state === 'closed' && closedAs?.closeCode === 1000,
      `state=${closedAs?.state} closeCode=${closedAs?.closeCode}`,
    );
  } catch (e) {
    check('scenario ran to the end', false, String((e as Error)?.message ?? e));
  }

  // 5. the simulator's view: every ack arrived with the right payload, no gap, no missed deadline
  try {
    const deadline = Date.now() + 10_000;
    let state: any;
    do {
      state = await sim('/_sim/state');
      const ackedIds = new Set((state.acks ?? []).map((a: any) => a.envelope_id));
      if (expectedAcks.every((x) => ackedIds.has(x.envelope_id))) break;
      await sleep(50);
    } while (Date.now() < deadline);
    const byId = new Map<string, any>((state.acks ?? []).map((a: any) => [a.envelope_id, a]));
    const wrong = expectedAcks.filter((x) => {
      const a = byId.get(x.envelope_id);
      return !a || JSON.stringify(a.payload) !== JSON.stringify(x.payload);
    });
    check(
      'every envelope acked with its payload',
      expectedAcks.length > 0 && wrong.length === 0,
      wrong.length ? `wrong/missing: ${JSON.stringify(wrong.slice(0, 3))}` : `${expectedAcks.length} acks`,
    );
    check(
      'no moment without a live connection',
      state.noLiveConnectionMs === 0,
      `noLiveConnectionMs=${state.noLiveConnectionMs}`,
    );
    check(
      'no ack deadline missed',
      Array.isArray(state.missedDeadlines) && state.missedDeadlines.length === 0,
      `missed=${JSON.stringify(state.missedDeadlines)}`,
    );
    check(
      'the client sent no malformed frame',
      state.badClientFrames === 0,
      `badClientFrames=${state.badClientFrames}`,
    );
  } catch (e) {
    check('simulator state readable', false, String((e as Error)?.message ?? e));
  }

  // 6. clean disconnect
  try {
    await client.disconnect();
    const end = Date.now() + 5_000;
    let open = -1;
    while (Date.now() < end) {
      const state = await sim('/_sim/state');
      open = (state.connections ?? []).filter((c: any) => c.state !== 'closed').length;
      if (open === 0) break;
      await sleep(50);
    }
    check('disconnect closes every socket', open === 0, `open=${open}`);
  } catch (e) {
    check('disconnect resolves', false, String((e as Error)?.message ?? e));
  }

  return { runtime: env.runtime, ok: checks.length > 0 && checks.every((c) => c.ok), checks };
}
