// Refresh and retirement: Slack's warning / refresh_requested, our own rotation, and when a replaced socket
// is closed. After a `warning`, Slack keeps routing envelopes to the old connection until `refresh_requested`. A
// standard WebSocket drops frames that arrive after our own close(), so the client must keep the old socket open
// (and listening) until Slack says so — even though the replacement is already live.
import { afterEach, describe, expect, test } from 'vitest';
import { delay, harness, until, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const acksFor = (id: string) => h!.sim.acks.filter((a) => a.envelope_id === id);

describe('reconnect loop', () => {
  test('refresh with warning: zero gap, events keep flowing, all acked', async () => {
    h = await harness({ refreshWarningLeadMs: 400, refreshCloseDelayMs: 200 });
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const connected: Array<{ connection_id: string; replaced: string | undefined }> = [];
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    sim.resetStats();

    // Inject continuously; count phases instead of timing them.
    let phase = 0; // 0 before refresh, 1 refresh under way, 2 old socket gone
    const perPhase = [0, 0, 0];
    const injected: string[] = [];
    const pump = (async () => {
      while (phase < 2 || perPhase[2]! < 5) {
        injected.push(sim.inject('message').envelope_id);
        perPhase[phase]!++;
        await delay(10);
      }
    })();
    await until(() => perPhase[0]! >= 5, 'traffic before refresh');
    phase = 1;
    sim.refresh({ warning: true });
    await until(() => connected.length === 2, 'replacement connected');
    expect(connected[1]!.replaced).toBe(connected[0]!.connection_id);
    await until(() => sim.connections().filter((c) => c.state !== 'closed').length === 1, 'old socket closed');
    phase = 2;
    await pump;
    await until(() => injected.every((id) => acksFor(id).length > 0), 'all acked').catch((e) => {
      const missing = injected.filter((id) => acksFor(id).length === 0);
      console.log(
        'DIAG',
        JSON.stringify(
          {
            missing,
            lines: h!.lines.slice(-40),
            conns: sim.connections(),
            deliveries: sim.deliveries.filter((d) => missing.includes(d.envelope_id)),
          },
          null,
          1,
        ),
      );
      throw e;
    });
    expect(perPhase.every((n) => n > 0)).toBe(true);
    expect(sim.noLiveConnectionMs()).toBe(0);
    expect(sim.missedDeadlines()).toEqual([]);
    expect(client.connectionCount).toBe(1);
  });

  test('refresh_requested without warning: replaced, nothing lost', async () => {
    h = await harness({ refreshCloseDelayMs: 300 });
    const { sim } = h;
    const client = h.client();
    client.on('slack_event', ({ ack }) => ack());
    const reconnecting: Array<{ reason: string; makeBeforeBreak: boolean }> = [];
    client.on('reconnecting', (e) => void reconnecting.push(e));
    await client.start();
    const before = sim.inject('app_mention');
    await sim.waitForAck(before.envelope_id, 5000);
    sim.refresh({ warning: false });
    const during = sim.inject('app_mention');
    await sim.waitForAck(during.envelope_id, 10_000);
    await until(
      () =>
        sim.connections().filter((c) => c.state === 'live').length === 1 &&
        sim.connections().filter((c) => c.state !== 'closed').length === 1,
      'one live socket',
    );
    expect(reconnecting[0]).toMatchObject({ reason: 'refresh_requested', makeBeforeBreak: true });
    const after = sim.inject('app_mention');
    await sim.waitForAck(after.envelope_id, 5000);
    expect(sim.missedDeadlines()).toEqual([]);
  });

  test('sockets without ping are rotated make-before-break after rotateAfterMs', async () => {
    h = await harness();
    const { sim } = h;
    const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 200 });
    client.on('slack_event', ({ ack }) => ack());
    const connected: Array<{ replaced: string | undefined }> = [];
    client.on('connected', (e) => void connected.push(e));
    await client.start();
    sim.resetStats();
    await until(() => connected.length >= 2, 'rotation');
    expect(connected[1]!.replaced).toBeDefined();
    const env = sim.inject('app_mention');
    await sim.waitForAck(env.envelope_id, 5000);
    await client.disconnect(); // stop rotating before reading the gap counter
    expect(sim.missedDeadlines()).toEqual([]);
  });
});

test('the warned socket still receives and acks envelopes after the replacement is live', async () => {
  // A long warning lead: the replacement is live well before Slack sends refresh_requested.
  h = await harness({ refreshWarningLeadMs: 1_500, refreshCloseDelayMs: 200 });
  const { sim } = h;
  const client = h.client();
  const seen = new Map<string, string>(); // envelope_id -> connection_id it arrived on
  client.on('slack_event', ({ ack, envelope_id, connection_id }) => {
    seen.set(envelope_id, connection_id);
    void ack();
  });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  const [oldSim] = sim.connections().filter((c) => c.state === 'live');

  sim.refresh({ connectionId: oldSim!.id, warning: true });
  await until(() => connected.length === 2, 'the replacement hello');

  // Slack may still route to the warned connection: deliver straight to it.
  const late = [0, 1, 2].map(() => {
    const env = {
      envelope_id: crypto.randomUUID() as string,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/late', text: 'routed to the old socket' },
    };
    sim.sendEnvelope(env, { connectionId: oldSim!.id });
    return env.envelope_id;
  });
  await until(
    () => late.every((id) => sim.acks.some((a) => a.envelope_id === id)),
    'acks of the late envelopes',
    5_000,
  );
  expect(late.map((id) => seen.get(id))).toEqual([connected[0], connected[0], connected[0]]);
  expect(sim.acks.filter((a) => late.includes(a.envelope_id)).map((a) => a.connectionId)).toEqual([
    oldSim!.id,
    oldSim!.id,
    oldSim!.id,
  ]);

  // Once Slack's refresh_requested + close have happened, only the replacement remains.
  await until(
    () => sim.connections().filter((c) => c.state !== 'closed').length === 1,
    'the old socket to close',
    5_000,
  );
  expect(client.connectionCount).toBe(1);
  expect(sim.missedDeadlines()).toEqual([]);
});

// Pins a past defect: Slack's warning on a socket our proactive refresh was replacing closed it before refresh_requested.
test("Slack's warning on a socket our own proactive refresh is already replacing: it stays open until refresh_requested", async () => {
  // Slack keeps routing to a warned socket until refresh_requested (a long lead stands in for that wait).
  h = await harness({ approximateConnectionTimeSec: 1, refreshWarningLeadMs: 60_000 });
  const sim = h.sim;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const client = h.client({
    pingIntervalMs: 0,
    rotateAfterMs: 0,
    openConnection: async () => {
      calls++;
      if (calls === 2) await gate; // the replacement's URL is slow to come
      const res = await fetch(`${sim.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.appToken}` },
      });
      return ((await res.json()) as { url: string }).url;
    },
  });
  const reasons: string[] = [];
  client.on('reconnecting', (e) => void reasons.push(e.reason));
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  const handled: string[] = [];
  client.on('slash_commands', ({ ack, envelope_id }) => {
    handled.push(envelope_id);
    return ack();
  });
  await client.start();
  const [first] = sim.connections();
  await until(() => reasons.includes('connection_time') && calls === 2, 'the proactive refresh to start');
  sim.refresh({ connectionId: first!.id, warning: true });
  await until(() => h!.lines.some((l) => l.includes('Slack sent disconnect (warning)')), 'the warning to arrive');
  release();
  await until(() => connected.length === 2, 'the replacement');
  await delay(100);
  // Slack has not sent refresh_requested: it may still route here.
  sim.sendEnvelope(
    {
      envelope_id: 'late-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/x', text: '' },
    },
    { connectionId: first!.id },
  );
  await sim.waitForAck('late-1', 5000);
  expect(handled).toContain('late-1');
});

// Pins a past defect: Slack's warning on a replaced socket still draining its acks closed it before refresh_requested.
test("Slack's warning on a replaced socket still draining its acks: it stays open until refresh_requested", async () => {
  h = await harness({ approximateConnectionTimeSec: 1, refreshWarningLeadMs: 60_000 });
  const sim = h.sim;
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 0 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const handled: string[] = [];
  client.on('slash_commands', async ({ ack, envelope_id }) => {
    handled.push(envelope_id);
    if (envelope_id === 'slow-1') await gate; // its ack keeps the replaced socket draining
    return ack();
  });
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  const [first] = sim.connections();
  const cmd = (id: string) => ({
    envelope_id: id,
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: { command: '/x', text: '' },
  });
  sim.sendEnvelope(cmd('slow-1'), { connectionId: first!.id });
  await until(() => handled.includes('slow-1'), 'the slow command');
  await until(() => connected.length === 2, 'the proactive replacement');
  sim.refresh({ connectionId: first!.id, warning: true });
  await until(() => h!.lines.some((l) => l.includes('Slack sent disconnect (warning)')), 'the warning to arrive');
  release();
  await sim.waitForAck('slow-1', 5000);
  await delay(100);
  sim.sendEnvelope(cmd('late-1'), { connectionId: first!.id }); // no refresh_requested yet: Slack may route here
  await sim.waitForAck('late-1', 5000);
  expect(handled).toContain('late-1');
  // refresh_requested: now it goes (its envelopes are acked).
  sim.refresh({ connectionId: first!.id, warning: false });
  await until(() => sim.connections().find((c) => c.id === first!.id)!.state === 'closed', 'the old socket to close');
});

// Pins a past defect: a socket already being rotated, budget full, was never freed when Slack did not close it.
test('refresh_requested on a socket already being rotated, budget full: the client frees it when Slack never closes it', async () => {
  // Slack's close may never come (PROTOCOL §4): a long close delay stands in for that.
  h = await harness({ refreshWarningLeadMs: 10, refreshCloseDelayMs: 60_000 });
  // connections: 10 => no room for a make-before-break swap; every socket's own rotation is due soon and waits.
  const client = h.client({ connections: 10, pingIntervalMs: 0, proactiveRefresh: false, rotateAfterMs: 200 });
  let rotations = 0;
  client.on('reconnecting', (e) => {
    if (e.reason === 'rotate') rotations++;
  });
  await client.start();
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'ten live connections');
  await until(() => rotations === 10, 'every socket to be due for rotation');
  const [victim] = h.sim.connections().filter((c) => c.state === 'live');
  h.sim.refresh({ connectionId: victim!.id, warning: false });
  await until(
    () => h!.sim.connections().find((c) => c.id === victim!.id)!.state === 'closed',
    'the client to close it',
    10_000,
  );
  await until(
    () => h!.sim.connections().filter((c) => c.state === 'live').length === 10,
    'the slot to be refilled',
    10_000,
  );
});

// Pins a past defect: too_many_websockets on an already-replaced socket sent a healthy slot into backoff.
test('too_many_websockets on a socket already replaced (kept after a warning) sends no healthy slot into backoff', async () => {
  // The warning comes long before refresh_requested, so the replaced socket stays open meanwhile.
  h = await harness({ refreshWarningLeadMs: 60_000 });
  const { sim } = h;
  const client = h.client({ pingIntervalMs: 0, proactiveRefresh: false });
  client.on('app_mention', ({ ack }) => ack());
  const reasons: string[] = [];
  client.on('reconnecting', (e) => void reasons.push(e.reason));
  await client.start();
  const [old] = sim.connections().filter((c) => c.state === 'live');
  sim.refresh({ connectionId: old!.id });
  await until(
    () => sim.connections().filter((c) => c.state === 'live').length === 2,
    'the replacement, the old one kept',
  );
  sim.sendRaw(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets' }), { connectionId: old!.id });
  await until(() => sim.connections().find((c) => c.id === old!.id)!.state === 'closed', 'the refused socket to close');
  await delay(50);
  expect(reasons).not.toContain('too_many_websockets');
  expect(client.connectionCount).toBe(1);
  const env = sim.inject('app_mention');
  await sim.waitForAck(env.envelope_id, 5000);
});

// Pins a past defect: a socket kept after a warning was retired before its envelopes were acked on it.
test('a socket kept after a warning is retired at retireAfterWarningMs only once its envelopes are acked, on it', async () => {
  h = await harness({ refreshWarningLeadMs: 60_000 });
  const { sim } = h;
  const client = h.client({ pingIntervalMs: 0, proactiveRefresh: false, retireAfterWarningMs: 100 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  client.on('app_mention', async ({ ack }) => {
    await gate;
    await ack();
  });
  await client.start();
  const [old] = sim.connections().filter((c) => c.state === 'live');
  const env = sim.inject('app_mention', {}, { connectionId: old!.id });
  await until(() => sim.deliveries.some((d) => d.envelope_id === env.envelope_id), 'the delivery');
  sim.refresh({ connectionId: old!.id });
  await until(() => sim.connections().filter((c) => c.state === 'live').length === 2, 'the replacement');
  await delay(300); // retireAfterWarningMs has passed; the envelope is still in its handler
  expect(sim.connections().find((c) => c.id === old!.id)!.state).toBe('live');
  release();
  const rec = await sim.waitForAck(env.envelope_id, 5000);
  expect(rec.connectionId).toBe(old!.id);
  await until(() => sim.connections().find((c) => c.id === old!.id)!.state === 'closed', 'the retired socket to close');
});

// Pins a past defect: our own rotation closed the old socket before its envelopes were acked, so acks were lost.
test('a rotation we start ourselves keeps the old socket until its envelopes are acked, so acks go back on it', async () => {
  h = await harness();
  const client = h.client({ pingIntervalMs: 0, rotateAfterMs: 600 });
  client.on('slash_commands', ({ ack }) => void delay(400).then(() => ack({ text: 'late but in time' })));
  const connected: string[] = [];
  client.on('connected', (e) => void connected.push(e.connection_id));
  await client.start();
  await delay(300); // the rotation is due at 600 ms, while this command's handler is still working
  const env = h.sim.inject('slash_command', { command: '/slow', text: 'x' });
  const ack = await h.sim.waitForAck(env.envelope_id);
  const delivery = h.sim.deliveries.find((d) => d.envelope_id === env.envelope_id)!;
  expect(connected.length).toBeGreaterThanOrEqual(2); // the rotation did happen
  expect(ack.connectionId).toBe(delivery.connectionId);
  expect(ack.payload).toEqual({ text: 'late but in time' });
});

// Pins a past defect: refresh_requested with the socket budget full left the old socket open when Slack never closed it.
test('refresh_requested with the socket budget full: the client frees the socket itself when Slack never closes it', async () => {
  // Slack's close may never come (PROTOCOL §4): a long close delay stands in for that.
  h = await harness({ refreshWarningLeadMs: 10, refreshCloseDelayMs: 60_000 });
  const client = h.client({ connections: 10 }); // budget = 10 sockets: no room for a make-before-break swap
  await client.start();
  await until(() => h!.sim.connections().filter((c) => c.state === 'live').length === 10, 'ten live connections');
  const [victim] = h.sim.connections().filter((c) => c.state === 'live');
  h.sim.refresh({ connectionId: victim!.id, warning: false });
  await until(
    () => h!.sim.connections().find((c) => c.id === victim!.id)!.state === 'closed',
    'the client to close it',
    10_000,
  );
  await until(
    () => h!.sim.connections().filter((c) => c.state === 'live').length === 10,
    'the slot to be refilled',
    10_000,
  );
});
