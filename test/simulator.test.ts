import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.ts';

// ---------- helpers: a plain `ws` client over real loopback ----------

const sims: Simulator[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ pingIntervalMs: 0, ...opts });
  sims.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openCall(s: Simulator, init: { auth?: string; body?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': init.contentType ?? 'application/x-www-form-urlencoded' };
  if (init.auth) headers['Authorization'] = init.auth;
  const res = await fetch(`${s.apiUrl}apps.connections.open`, { method: 'POST', headers, body: init.body ?? '' });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { res, json, text };
}

async function openUrl(s: Simulator): Promise<string> {
  const { json } = await openCall(s, { auth: `Bearer ${s.appToken}` });
  expect(json.ok).toBe(true);
  return json.url;
}

type Frame = any;

class TestClient {
  readonly frames: Frame[] = [];
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number }>;
  isClosed = false;

  constructor(readonly ws: WebSocket) {
    clients.push(this);
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      let f: Frame;
      try {
        f = JSON.parse(text);
      } catch {
        f = { raw: text, isBinary };
      }
      if (isBinary && f && typeof f === 'object') f.isBinary = true;
      this.frames.push(f);
      for (const w of [...this.waiters])
        if (w.pred(f)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(f);
        }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.isClosed = true;
        resolve({ code });
      }),
    );
  }

  static async connect(s: Simulator, wsOpts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const url = await openUrl(s);
    return TestClient.connectUrl(url, wsOpts);
  }

  static async connectUrl(url: string, wsOpts: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const c = new TestClient(new WebSocket(url, wsOpts));
    await c.frame(() => true); // first frame: hello (or a disconnect)
    return c;
  }

  frame(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (f: Frame) => {
          clearTimeout(t);
          resolve(f);
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error('timed out waiting for a frame'));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  envelopes(): Frame[] {
    return this.frames.filter((f) => f && f.envelope_id);
  }
  ack(envelope_id: string, payload?: unknown) {
    this.ws.send(JSON.stringify(payload === undefined ? { envelope_id } : { envelope_id, payload }));
  }
}

/** Upgrade outcome for a URL: the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', () => {});
  });
}

// ---------- tests ----------

describe('apps.connections.open', () => {
  it('accepts the app token only in the Authorization header', async () => {
    const s = await sim();
    const form = await openCall(s, { body: `token=${s.appToken}` });
    expect(form.res.status).toBe(200);
    expect(form.json).toEqual({ ok: false, error: 'not_authed' });
    expect((await openCall(s, { auth: 'Bearer xapp-1-A111-1-wrong' })).json).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect((await openCall(s, { auth: `Bearer ${s.botToken}` })).json).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    expect((await openCall(s, { auth: 'Bearer xoxp-1-user' })).json).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    const ok = await openCall(s, { auth: `Bearer ${s.appToken}` });
    expect(ok.json.ok).toBe(true);
    expect(ok.json.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${s.port}/link/\\?ticket=[0-9a-f]{32}&app_id=A111$`));
    expect(s.openCalls).toBe(5);
  });

  it('tickets are single use; unknown tickets are refused', async () => {
    const s = await sim();
    const url = await openUrl(s);
    expect(await upgradeStatus(url)).toBe(101);
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${s.port}/link/?ticket=deadbeef&app_id=A111`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${s.port}/link/`)).toBe(400);
  });

  it('failNextOpen injects ok:false, 429 + Retry-After and 500', async () => {
    const s = await sim();
    s.failNextOpen({ status: 429, retryAfterSec: 7 });
    s.failNextOpen({ error: 'internal_error' });
    s.failNextOpen({ status: 500 });
    const r429 = await openCall(s, { auth: `Bearer ${s.appToken}` });
    expect(r429.res.status).toBe(429);
    expect(r429.res.headers.get('retry-after')).toBe('7');
    const rErr = await openCall(s, { auth: `Bearer ${s.appToken}` });
    expect(rErr.res.status).toBe(200);
    expect(rErr.json).toEqual({ ok: false, error: 'internal_error' });
    const r500 = await openCall(s, { auth: `Bearer ${s.appToken}` });
    expect(r500.res.status).toBe(500);
    expect((await openCall(s, { auth: `Bearer ${s.appToken}` })).json.ok).toBe(true);
    expect(s.openCalls).toBe(4);
  });

  it('optional rate limit answers 429 + Retry-After', async () => {
    const s = await sim({ openRateLimit: { burst: 2, perMinute: 1 } });
    expect((await openCall(s, { auth: `Bearer ${s.appToken}` })).json.ok).toBe(true);
    expect((await openCall(s, { auth: `Bearer ${s.appToken}` })).json.ok).toBe(true);
    const limited = await openCall(s, { auth: `Bearer ${s.appToken}` });
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('link', () => {
  it('hello carries a true num_connections, debug_info and connection_info', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    expect(a.frames[0]).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: expect.any(String), build_number: expect.any(Number), approximate_connection_time: 18060 },
      connection_info: { app_id: 'A111' },
    });
    const b = await TestClient.connect(s);
    expect(b.frames[0].num_connections).toBe(2);
    a.ws.close();
    await a.closed;
    await s.waitFor(() => s.connections().filter((c) => c.state === 'live').length === 1);
    const c = await TestClient.connect(s);
    expect(c.frames[0].num_connections).toBe(2);
  });

  it('the 11th socket gets too_many_websockets and is closed', async () => {
    const s = await sim();
    const ten = await Promise.all(Array.from({ length: 10 }, () => TestClient.connect(s)));
    expect(ten.map((c) => c.frames[0].type)).toEqual(Array(10).fill('hello'));
    const eleventh = await TestClient.connect(s);
    expect(eleventh.frames[0]).toMatchObject({
      type: 'disconnect',
      reason: 'too_many_websockets',
      num_connections: 10,
      connection_info: { app_id: 'A111' },
    });
    await eleventh.closed;
    expect(s.connections().filter((c) => c.state === 'live')).toHaveLength(10);
  });

  it('server pings, and closes a socket that stops ponging', async () => {
    const s = await sim({ pingIntervalMs: 30, pongTimeoutMs: 400 });
    const good = await TestClient.connect(s);
    let pings = 0;
    good.ws.on('ping', () => pings++);
    const mute = await TestClient.connect(s, { autoPong: false });
    await mute.closed;
    expect(pings).toBeGreaterThan(0);
    expect(good.isClosed).toBe(false);
  });

  it('records malformed client frames', async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    c.ws.send('not json');
    c.ws.send(Buffer.from('{"envelope_id":"x"}'), { binary: true });
    c.ws.send('{"type":"ack"}');
    c.ws.send(JSON.stringify({ envelope_id: 'big', payload: { text: 'x'.repeat(21 * 1024) } }));
    await s.waitFor(() => s.badClientFrames === 4);
    expect(s.badFrames.map((b) => b.reason)).toEqual(['not_json', 'binary', 'not_an_ack', 'too_large']);
    expect(s.acks).toHaveLength(0);
  });

  it('sendRaw sends text and binary frames as given', async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    s.sendRaw('{"type":"hello",');
    s.sendRaw(new Uint8Array([1, 2, 3]));
    await c.frame((f) => f.raw === '{"type":"hello",');
    const bin = await c.frame((f) => f.isBinary === true);
    expect(bin.raw).toBe('\u0001\u0002\u0003');
  });
});

describe('delivery and acks', () => {
  it('delivers PROTOCOL-shaped envelopes and records acks with payload and latency', async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    const env = s.inject('app_mention', { text: '<@U0BOT> ping' });
    const got = await c.frame((f) => f.envelope_id === env.envelope_id);
    expect(got).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: {
        type: 'event_callback',
        team_id: 'T111',
        api_app_id: 'A111',
        event_id: expect.stringMatching(/^Ev[A-Z0-9]+$/),
        event: {
          type: 'app_mention',
          text: '<@U0BOT> ping',
          user: expect.any(String),
          channel: expect.any(String),
          ts: expect.stringMatching(/^\d+\.\d{6}$/),
        },
        authorizations: [expect.objectContaining({ is_bot: true })],
      },
    });
    expect(got.envelope_id).toMatch(/^[0-9a-f-]{36}$/);
    c.ack(env.envelope_id, { note: 'hi' });
    const ack = await s.waitForAck(env.envelope_id);
    expect(ack).toMatchObject({
      envelope_id: env.envelope_id,
      payload: { note: 'hi' },
      connectionId: s.connections()[0]!.id,
      duplicate: false,
    });
    expect(ack.latencyMs).toBeGreaterThanOrEqual(0);
    c.ack(env.envelope_id);
    c.ack('never-sent');
    await s.waitFor(() => s.acks.length === 3);
    expect(s.acks.map((a) => a.duplicate)).toEqual([false, true, true]);
    expect(s.deliveries).toEqual([
      expect.objectContaining({ envelope_id: env.envelope_id, type: 'events_api', retry_attempt: 0 }),
    ]);
    expect(s.connections()[0]).toMatchObject({ delivered: 1, acked: 1 });
    expect(s.missedDeadlines()).toEqual([]);
  });

  it('builds every inject kind with the right envelope type', async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    const kinds = [
      'app_mention',
      'message',
      'reaction_added',
      'slash_command',
      'block_actions',
      'view_submission',
      'view_closed',
      'shortcut',
      'block_suggestion',
    ] as const;
    for (const k of kinds) {
      const env = s.inject(k);
      const f = await c.frame((x) => x.envelope_id === env.envelope_id);
      c.ack(env.envelope_id);
      if (k === 'app_mention' || k === 'message' || k === 'reaction_added') {
        expect(f).toMatchObject({
          type: 'events_api',
          accepts_response_payload: false,
          payload: { event: { type: k } },
        });
      } else if (k === 'slash_command') {
        expect(f).toMatchObject({
          type: 'slash_commands',
          accepts_response_payload: true,
          payload: { command: '/hello' },
        });
        expect(f.payload.response_url).toMatch(new RegExp(`^${s.url}/response/`));
      } else {
        expect(f).toMatchObject({
          type: 'interactive',
          accepts_response_payload: k !== 'shortcut',
          payload: { type: k },
        });
        expect('retry_attempt' in f).toBe(false);
      }
    }
    await s.waitFor(() => s.acks.length === kinds.length);
  });

  it('queues while no connection is live and delivers on hello', async () => {
    const s = await sim();
    const env = s.inject('message', { text: 'queued' });
    expect(s.state().queued).toBe(1);
    const c = await TestClient.connect(s);
    const f = await c.frame((x) => x.envelope_id === env.envelope_id);
    expect(f.payload.event.text).toBe('queued');
    expect(c.frames[0].type).toBe('hello');
  });

  it('redelivers events_api after a missed ack: retry_attempt 1..3, retry_reason timeout, same event_id', async () => {
    const s = await sim({ ackTimeoutMs: 80, redeliveryDelaysMs: [0, 30, 30] });
    const c = await TestClient.connect(s);
    const env = s.inject('app_mention');
    await s.waitFor(() => s.deliveries.length === 4 && s.missedDeadlines().length === 4);
    await sleep(300);
    expect(s.deliveries).toHaveLength(4); // attempts 0..3, then no more
    const got = c.envelopes();
    expect(got.map((f) => f.retry_attempt)).toEqual([0, 1, 2, 3]);
    expect(got.slice(1).every((f) => f.retry_reason === 'timeout')).toBe(true);
    expect(new Set(got.map((f) => f.payload.event_id)).size).toBe(1);
    expect(got[0].payload.event_id).toBe(env.payload['event_id']);
    expect(new Set(got.map((f) => f.envelope_id)).size).toBe(4);
  });

  it('stops redelivering once a retry is acked', async () => {
    const s = await sim({ ackTimeoutMs: 400, redeliveryDelaysMs: [0, 30, 30] });
    const c = await TestClient.connect(s);
    s.inject('message');
    const retry = await c.frame((f) => f.retry_attempt === 1);
    c.ack(retry.envelope_id);
    await s.waitForAck(retry.envelope_id);
    await sleep(600);
    expect(c.envelopes()).toHaveLength(2);
    expect(s.missedDeadlines()).toHaveLength(1);
  });

  it('never redelivers slash commands or interactions, but records the missed deadline', async () => {
    const s = await sim({ ackTimeoutMs: 60, redeliveryDelaysMs: [0, 10, 10] });
    const c = await TestClient.connect(s);
    const slash = s.inject('slash_command', { command: '/deploy', text: 'now' });
    const act = s.inject('block_actions');
    await s.waitFor(() => s.missedDeadlines().length === 2);
    await sleep(250);
    expect(c.envelopes()).toHaveLength(2);
    expect(
      s
        .missedDeadlines()
        .map((m) => m.envelope_id)
        .sort(),
    ).toEqual([slash.envelope_id, act.envelope_id].sort());
    expect(c.envelopes()[0].payload).toMatchObject({ command: '/deploy', text: 'now' });
  });

  it('the deadline counts from when Slack issued the envelope: an envelope whose window ends while queued is never delivered', async () => {
    // A slash command issued while the app has no connection fails for the user; Slack does not deliver it later.
    const s = await sim({ ackTimeoutMs: 100, redeliveryDelaysMs: [] });
    const late = s.inject('slash_command'); // nobody connected: queued
    expect(s.state().queued).toBe(1);
    await s.waitFor(() => s.missedDeadlines().length === 1);
    expect(s.state().queued).toBe(0);
    expect(s.missedDeadlines()).toEqual([
      expect.objectContaining({ envelope_id: late.envelope_id, type: 'slash_commands' }),
    ]);
    const c = await TestClient.connect(s);
    // Sent at once and acked at once: in time.
    const prompt = s.inject('slash_command');
    await c.frame((f) => f.envelope_id === prompt.envelope_id);
    c.ack(prompt.envelope_id);
    expect((await s.waitForAck(prompt.envelope_id)).late).toBeUndefined();
    expect(c.envelopes().map((f) => f.envelope_id)).toEqual([prompt.envelope_id]);
    expect(s.missedDeadlines()).toHaveLength(1);
    expect(s.deliveries.map((d) => d.envelope_id)).toEqual([prompt.envelope_id]);
  });

  it('late acks are recorded as late', async () => {
    const s = await sim({ ackTimeoutMs: 50, redeliveryDelaysMs: [] });
    const c = await TestClient.connect(s);
    const env = s.inject('slash_command');
    await s.waitFor(() => s.missedDeadlines().length === 1);
    c.ack(env.envelope_id);
    const ack = await s.waitForAck(env.envelope_id);
    expect(ack).toMatchObject({ duplicate: false, late: true });
  });
});

describe('faults', () => {
  const refreshOpts = { refreshWarningLeadMs: 1000, refreshCloseDelayMs: 50 };

  it('refresh: warning -> refresh_requested -> close; a make-before-break client has no gap', async () => {
    const s = await sim(refreshOpts);
    const a = await TestClient.connect(s);
    s.resetStats();
    let b: Promise<TestClient> | undefined;
    a.ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.type === 'disconnect' && f.reason === 'warning') b = TestClient.connect(s);
    });
    s.refresh();
    await a.closed;
    const reasons = a.frames.filter((f) => f.type === 'disconnect').map((f) => f.reason);
    expect(reasons).toEqual(['warning', 'refresh_requested']);
    expect(b).toBeDefined();
    const bc = await b!;
    expect(bc.frames[0]).toMatchObject({ type: 'hello', num_connections: 2 });
    expect(s.noLiveConnectionMs()).toBe(0);
  });

  it('refresh: a client that only reconnects after the close has a gap, and deliveries queue meanwhile', async () => {
    const s = await sim(refreshOpts);
    const a = await TestClient.connect(s);
    s.resetStats();
    s.refresh({ warning: false });
    await a.frame((f) => f.reason === 'refresh_requested');
    expect(s.connections()[0]!.state).toBe('refreshing');
    const env = s.inject('app_mention'); // no live connection: queued
    await a.closed;
    await sleep(30);
    const b = await TestClient.connect(s);
    await b.frame((f) => f.envelope_id === env.envelope_id);
    expect(a.envelopes()).toHaveLength(0);
    const gap = s.noLiveConnectionMs();
    expect(gap).toBeGreaterThan(0);
    await sleep(20);
    expect(s.noLiveConnectionMs()).toBe(gap); // a live connection stops the clock
  });

  it('gap clock includes the currently running gap', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    expect(s.noLiveConnectionMs()).toBe(0);
    a.ws.close();
    await a.closed;
    await s.waitFor(() => s.connections()[0]!.state === 'closed');
    const g1 = s.noLiveConnectionMs();
    await sleep(30);
    expect(s.noLiveConnectionMs()).toBeGreaterThan(g1);
    s.resetStats();
    expect(s.noLiveConnectionMs()).toBeLessThan(20);
  });

  it('drop destroys the socket without a close frame', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    s.drop();
    expect((await a.closed).code).toBe(1006);
    await s.waitFor(() => s.connections()[0]!.state === 'closed');
  });

  it('halfOpen: no pongs, no deliveries, acks ignored, never closed by the sim', async () => {
    const s = await sim({ pingIntervalMs: 20, pongTimeoutMs: 50 });
    const a = await TestClient.connect(s);
    const env = s.inject('message');
    await a.frame((f) => f.envelope_id === env.envelope_id);
    s.halfOpen();
    expect(s.connections()[0]!.state).toBe('half-open');
    let pongs = 0;
    a.ws.on('pong', () => pongs++);
    a.ws.ping();
    a.ack(env.envelope_id);
    const queued = s.inject('message');
    await sleep(300); // several server ping intervals and pong timeouts
    expect(pongs).toBe(0);
    expect(a.isClosed).toBe(false);
    expect(s.acks).toHaveLength(0);
    expect(a.envelopes()).toHaveLength(1);
    expect(s.state().queued).toBe(1);
    // a new connection is live, gets the queued envelope, and counts the ghost in num_connections
    const b = await TestClient.connect(s);
    expect(b.frames[0].num_connections).toBe(2);
    await b.frame((f) => f.envelope_id === queued.envelope_id);
  });

  it('disableLink: link_disabled + close; new sockets get link_disabled at once; enableLink restores', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    s.disableLink();
    expect(await a.frame((f) => f.type === 'disconnect')).toMatchObject({ reason: 'link_disabled' });
    await a.closed;
    const b = await TestClient.connect(s); // apps.connections.open still returns a URL
    expect(b.frames[0]).toMatchObject({ type: 'disconnect', reason: 'link_disabled' });
    await b.closed;
    expect(b.frames.some((f) => f.type === 'hello')).toBe(false);
    s.enableLink();
    const c = await TestClient.connect(s);
    expect(c.frames[0].type).toBe('hello');
  });
});

describe('web api and response_url', () => {
  it('records chat.postMessage (bearer, form token) and rejects bad tokens and a token in a JSON body', async () => {
    const s = await sim();
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${s.apiUrl}chat.postMessage`, { method: 'POST', headers, body }).then((r) => r.json() as Promise<any>);
    const r1 = await post(
      { Authorization: `Bearer ${s.botToken}`, 'Content-Type': 'application/json' },
      JSON.stringify({ channel: 'C111', text: 'one' }),
    );
    expect(r1).toMatchObject({ ok: true, channel: 'C111', ts: expect.stringMatching(/^\d+\.\d+$/) });
    const r2 = await post(
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      `token=${s.botToken}&channel=C222&text=two`,
    );
    expect(r2.ok).toBe(true);
    const r3 = await post(
      { 'Content-Type': 'application/json' },
      JSON.stringify({ token: s.botToken, channel: 'C333', text: 'three' }),
    );
    expect(r3).toEqual({ ok: false, error: 'not_authed' }); // JSON needs the Authorization header
    expect(await post({ 'Content-Type': 'application/json' }, JSON.stringify({ channel: 'C1', text: 'x' }))).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(await post({ Authorization: 'Bearer xoxb-wrong' }, 'channel=C1&text=x')).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(s.posted.map((p) => p.kind)).toEqual(['chat.postMessage', 'chat.postMessage']);
    expect(s.posted.map((p) => (p.body as any).text)).toEqual(['one', 'two']);
    expect(JSON.stringify(s.posted)).not.toContain(s.botToken);
    const auth = await fetch(`${s.apiUrl}auth.test`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.botToken}` },
    }).then((r) => r.json() as Promise<any>);
    expect(auth).toMatchObject({ ok: true, team_id: 'T111' });
  });

  it('records what a bot posts to response_url', async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    const env = s.inject('slash_command');
    const f = await c.frame((x) => x.envelope_id === env.envelope_id);
    c.ack(env.envelope_id, { text: 'working on it' });
    const res = await fetch(f.payload.response_url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'done', response_type: 'in_channel' }),
    });
    expect(res.status).toBe(200);
    expect(s.posted).toEqual([
      expect.objectContaining({ kind: 'response_url', body: { text: 'done', response_type: 'in_channel' } }),
    ]);
    expect((await s.waitForAck(env.envelope_id)).payload).toEqual({ text: 'working on it' });
  });
});

describe('HTTP control API and feed', () => {
  it('inject, fault, state, replay, reset over HTTP; feed streams events; CORS is open', async () => {
    const s = await sim();
    const feedFrames: any[] = [];
    const feed = new WebSocket(`${s.url.replace('http', 'ws')}/_sim/feed`);
    feed.on('message', (d) => feedFrames.push(JSON.parse(d.toString())));
    await new Promise((r) => feed.once('open', r));
    try {
      const c = await TestClient.connect(s);
      const injectRes = await fetch(`${s.url}/_sim/inject`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'app_mention', text: 'via http' }),
      });
      expect(injectRes.headers.get('access-control-allow-origin')).toBe('*');
      const env = (await injectRes.json()) as any;
      expect(env.payload.event.text).toBe('via http');
      const f = await c.frame((x) => x.envelope_id === env.envelope_id);
      c.ack(f.envelope_id);
      await s.waitForAck(env.envelope_id);
      await s.waitFor(() => feedFrames.some((x) => x.event === 'ack'));
      const events = feedFrames.map((x) => x.event);
      expect(events[0]).toBe('state');
      expect(events).toEqual(expect.arrayContaining(['open', 'connection', 'delivery', 'ack']));
      expect(feedFrames.find((x) => x.event === 'connection' && x.data.change === 'hello')).toBeDefined();

      const bad = await fetch(`${s.url}/_sim/inject`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'nope' }),
      });
      expect(bad.status).toBe(400);

      await fetch(`${s.url}/_sim/fault`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ fault: 'malformed', frame: 'garbage{' }),
      });
      await c.frame((x) => x.raw === 'garbage{');

      const replay = (await fetch(`${s.url}/_sim/replay`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ envelopes: [env] }),
      }).then((r) => r.json())) as any;
      const again = await c.frame((x) => x.envelope_id === replay.envelopes[0].envelope_id);
      expect(again.envelope_id).not.toBe(env.envelope_id);
      expect(again.payload.event_id).toBe(env.payload.event_id);

      const state = (await fetch(`${s.url}/_sim/state`).then((r) => r.json())) as any;
      expect(state.connections).toHaveLength(1);
      expect(state.deliveries).toHaveLength(2);
      expect(JSON.stringify(state)).not.toContain(s.appToken);

      expect((await fetch(`${s.url}/_sim/reset`, { method: 'POST' })).status).toBe(200);
      expect(s.acks).toHaveLength(0);

      const fresh = (await fetch(`${s.url}/_sim/connection-url`, { method: 'POST' }).then((r) => r.json())) as any;
      expect(fresh.url).toMatch(/\/link\/\?ticket=/);

      await fetch(`${s.url}/_sim/fault`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ fault: 'drop' }),
      });
      await c.closed;

      for (const path of ['/_sim/inject', '/api/apps.connections.open', '/response/abc']) {
        const pre = await fetch(`${s.url}${path}`, {
          method: 'OPTIONS',
          headers: {
            Origin: 'http://localhost:5173',
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'authorization,content-type',
          },
        });
        expect(pre.status).toBe(204);
        expect(pre.headers.get('access-control-allow-origin')).toBe('*');
        expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      }
    } finally {
      feed.terminate();
    }
  });
});

describe('close()', () => {
  it('leaves no timer, socket or server behind', async () => {
    const count = () => {
      const r = process.getActiveResourcesInfo();
      return { timers: r.filter((x) => x === 'Timeout').length, tcp: r.filter((x) => x.startsWith('TCP')).length };
    };
    const before = count();
    const s = await startSimulator({
      pingIntervalMs: 20,
      pongTimeoutMs: 1000,
      ackTimeoutMs: 10_000,
      refreshWarningLeadMs: 10_000,
    });
    const feed = new WebSocket(`${s.url.replace('http', 'ws')}/_sim/feed`);
    feed.on('error', () => {});
    const a = await TestClient.connect(s);
    const b = await TestClient.connect(s);
    await TestClient.connect(s);
    s.inject('app_mention'); // ack deadline timer running
    s.refresh({ connectionId: s.connections()[0]!.id }); // refresh timer running
    s.halfOpen({ connectionId: s.connections()[1]!.id });
    const pending = s.waitFor(() => false, 60_000).catch((e: Error) => e.message);
    await a.frame((f) => f.type === 'disconnect');
    await fetch(`${s.url}/_sim/state`); // a keep-alive HTTP socket
    expect(count().tcp).toBeGreaterThan(before.tcp);
    await s.close();
    expect(await pending).toBe('simulator closed');
    await Promise.all([a.closed, b.closed]);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const now = count();
      if (now.tcp <= before.tcp && now.timers <= before.timers) break;
      await sleep(20);
    }
    const after = count();
    expect(after.tcp).toBeLessThanOrEqual(before.tcp);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
  });
});

describe('cli', () => {
  it('runSimulatorCli prints URLs, the app token and a curl line, and stops on abort', async () => {
    const { runSimulatorCli } = await import('../src/simulator/cli.ts');
    const lines: string[] = [];
    const ac = new AbortController();
    const done = runSimulatorCli(['--port', '0', '--host', '127.0.0.1'], {
      out: (l) => lines.push(l),
      signal: ac.signal,
    });
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l.includes('curl')) && Date.now() < deadline) await sleep(10);
    const text = lines.join('\n');
    expect(text).toContain('xapp-1-A111-1-simulator');
    const base = /http:\/\/127\.0\.0\.1:\d+/.exec(text)![0];
    const state = (await fetch(`${base}/_sim/state`).then((r) => r.json())) as any;
    expect(state.appId).toBe('A111');
    ac.abort();
    await done;
    expect(lines.at(-1)).toBe('Simulator stopped.');
  });
});

describe('cli options', () => {
  it('--auto-refresh --connection-time-sec: hello announces the lifetime and Slack-style refresh follows it', async () => {
    const { runSimulatorCli } = await import('../src/simulator/cli.ts');
    const lines: string[] = [];
    const ac = new AbortController();
    const done = runSimulatorCli(
      [
        '--port',
        '0',
        '--auto-refresh',
        '--connection-time-sec',
        '1',
        '--refresh-warning-lead-ms',
        '300',
        '--ping-interval-ms',
        '0',
      ],
      { out: (l) => lines.push(l), signal: ac.signal },
    );
    try {
      const deadline = Date.now() + 5000;
      while (!lines.some((l) => l.includes('curl')) && Date.now() < deadline) await sleep(10);
      const base = /http:\/\/127\.0\.0\.1:\d+/.exec(lines.join('\n'))![0];
      const res = await fetch(`${base}/api/apps.connections.open`, {
        method: 'POST',
        headers: { Authorization: 'Bearer xapp-1-A111-1-simulator' },
      });
      const { url } = (await res.json()) as { url: string };
      const ws = new WebSocket(url);
      const frames: any[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(String(d))));
      const until = Date.now() + 5000;
      while (!frames.some((f) => f.type === 'disconnect' && f.reason === 'warning') && Date.now() < until)
        await sleep(20);
      ws.terminate();
      expect(frames[0]).toMatchObject({ type: 'hello', debug_info: { approximate_connection_time: 1 } });
      expect(frames.find((f) => f.type === 'disconnect')).toMatchObject({ reason: 'warning' });
    } finally {
      ac.abort();
      await done;
    }
  });

  it('refuses a bad number with the option named', async () => {
    const { runSimulatorCli } = await import('../src/simulator/cli.ts');
    await expect(runSimulatorCli(['--half-open-reap-ms', 'soon'], { out: () => {} })).rejects.toThrow(
      '--half-open-reap-ms',
    );
  });
});

describe('targeted delivery (connectionId; used by the dev panel)', () => {
  it('inject and replay deliver to the connection named, over the code API and HTTP; unknown ids are refused', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    const b = await TestClient.connect(s);
    const [idA, idB] = s.connections().map((c) => c.id) as [string, string];
    // hello debug_info.host names the connection: applink-sim-<n> <-> conn-<n>
    expect(a.frames[0].debug_info.host.replace('applink-sim-', 'conn-')).toBe(idA);

    for (let i = 0; i < 5; i++) s.inject('message', { text: `to b ${i}` }, { connectionId: idB });
    const post = (path: string, body: unknown) =>
      fetch(`${s.url}/_sim/${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < 5; i++) {
      const res = await post('inject', { kind: 'slash_command', text: `to a ${i}`, connectionId: idA });
      expect(res.status).toBe(200);
      const env = (await res.json()) as any;
      expect(env.payload.connectionId).toBeUndefined(); // not merged into the payload
    }
    const replay = await post('replay', {
      envelopes: [{ type: 'events_api', payload: { event: { type: 'message', text: 'replayed' } } }],
      connectionId: idB,
    });
    expect(replay.status).toBe(200);
    await s.waitFor(() => s.deliveries.length === 11);
    expect(s.deliveries.filter((d) => d.connectionId === idB)).toHaveLength(6);
    expect(s.deliveries.filter((d) => d.connectionId === idA)).toHaveLength(5);
    await b.frame((f) => f.payload?.event?.text === 'replayed');
    expect(a.frames.filter((f) => f.envelope_id).every((f) => f.type === 'slash_commands')).toBe(true);

    const bad = await post('inject', { kind: 'message', connectionId: 'conn-999' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toBe('no_such_connection');
    expect((await post('replay', { envelopes: [], connectionId: 'nope' })).status).toBe(400);
    expect(() => s.inject('message', {}, { connectionId: 'conn-999' })).toThrow();
  });
});

describe('review: fidelity to Slack', () => {
  it('a JSON body cannot carry the token: Slack needs the Authorization header for JSON (a form field is fine)', async () => {
    // Slack changelog 2017-10 "Keeping up with the JSONs": "To make use of sending JSON on write operations,
    // you must provide your token value using an Authorization HTTP header."
    const s = await sim();
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${s.apiUrl}chat.postMessage`, { method: 'POST', headers, body }).then((r) => r.json() as Promise<any>);
    expect(
      await post(
        { 'Content-Type': 'application/json' },
        JSON.stringify({ token: s.botToken, channel: 'C1', text: 'x' }),
      ),
    ).toEqual({ ok: false, error: 'not_authed' });
    expect(
      (await post({ 'Content-Type': 'application/x-www-form-urlencoded' }, `token=${s.botToken}&channel=C111&text=x`))
        .ok,
    ).toBe(true);
    expect(
      (
        await post(
          { 'Content-Type': 'application/json', Authorization: `Bearer ${s.botToken}` },
          JSON.stringify({ channel: 'C111', text: 'x' }),
        )
      ).ok,
    ).toBe(true);
    expect(s.posted).toHaveLength(2);
  });

  it('refreshing a connection twice sends one warning and one refresh_requested, in that order', async () => {
    const s = await sim({ refreshWarningLeadMs: 100, refreshCloseDelayMs: 50 });
    const a = await TestClient.connect(s);
    const id = s.connections()[0]!.id;
    s.refresh();
    s.refresh();
    await a.frame((f) => f.reason === 'refresh_requested');
    s.refresh({ connectionId: id }); // already told to go: no warning after refresh_requested
    await a.closed;
    expect(a.frames.filter((f) => f.type === 'disconnect').map((f) => f.reason)).toEqual([
      'warning',
      'refresh_requested',
    ]);
  });

  it('refresh without warning on a warned connection sends refresh_requested once, at once', async () => {
    const s = await sim({ refreshWarningLeadMs: 200, refreshCloseDelayMs: 400 });
    const a = await TestClient.connect(s);
    s.refresh();
    await a.frame((f) => f.reason === 'warning');
    s.refresh({ warning: false });
    await a.frame((f) => f.reason === 'refresh_requested');
    await a.closed;
    expect(a.frames.filter((f) => f.type === 'disconnect').map((f) => f.reason)).toEqual([
      'warning',
      'refresh_requested',
    ]);
  });

  it('an event that waited out its ack window in the queue is not sent stale and then retried at once', async () => {
    // Slack retries an events_api envelope only after a 3 s window with no ack. An event queued past that
    // window must not reach the client twice (attempt 0 and, in the same breath, attempt 1) when the client
    // acks the first one at once.
    const s = await sim({ ackTimeoutMs: 100, redeliveryDelaysMs: [400] });
    const env = s.inject('message');
    await s.waitFor(() => s.missedDeadlines().length === 1); // the window ends while nobody is connected
    expect(s.state().queued).toBe(0); // attempt 0 is gone; attempt 1 follows the schedule
    const c = await TestClient.connect(s);
    const first = await c.frame((f) => f.envelope_id !== undefined);
    c.ack(first.envelope_id);
    await s.waitForAck(first.envelope_id);
    await sleep(200); // past the ack window of whatever was sent
    const got = c.envelopes();
    expect(got).toHaveLength(1);
    expect(got[0].payload.event_id).toBe(env.payload['event_id']);
    expect(got[0].retry_attempt).toBe(1);
    expect(got[0].retry_reason).toBe('timeout');
    expect(s.missedDeadlines()).toEqual([expect.objectContaining({ envelope_id: env.envelope_id, retry_attempt: 0 })]);
  });

  it("shortcut envelopes do not accept a response payload (as in Slack's own SDK fixtures)", async () => {
    const s = await sim();
    const c = await TestClient.connect(s);
    const env = s.inject('shortcut');
    const f = await c.frame((x) => x.envelope_id === env.envelope_id);
    expect(f).toMatchObject({ type: 'interactive', accepts_response_payload: false, payload: { type: 'shortcut' } });
  });
});

describe('silentDeath (a network path that dies without a close frame)', () => {
  it("writes nothing, reads nothing, keeps routing until the client's close reaches it", async () => {
    const s = await sim({ ackTimeoutMs: 200, redeliveryDelaysMs: [0] });
    const c = await TestClient.connect(s);
    const id = s.connections()[0]!.id;
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    s.silentDeath();
    const info = s.connections()[0]!;
    expect(info.state).toBe('live'); // Slack does not know
    expect(typeof info.silentSince).toBe('number');
    const before = c.frames.length;
    const env = s.inject('slash_command');
    expect(s.deliveries.map((d) => d.connectionId)).toEqual([id]); // recorded as sent there, and lost
    c.ack(env.envelope_id); // never read
    c.ws.ping();
    await s.waitFor(() => s.missedDeadlines().length === 1);
    expect(s.acks).toHaveLength(0);
    expect(c.frames.length).toBe(before);
    expect(pongs).toBe(0);
    c.ws.terminate(); // the client's RST gets through (closeReaches defaults to true)
    await s.waitFor(() => s.connections()[0]!.state === 'closed');
    s.inject('message');
    expect(s.state().queued).toBe(1); // no live connection: nothing more is routed into the dead path
  });

  it('with closeReaches false, routes into the dead path for routeForMs even after the client left', async () => {
    const s = await sim({ ackTimeoutMs: 5000 });
    const c = await TestClient.connect(s);
    const res = await fetch(`${s.url}/_sim/fault`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ fault: 'silent_death', routeForMs: 300, closeReaches: false }),
    });
    expect((await res.json()).ok).toBe(true);
    c.ws.terminate();
    await c.closed;
    await sleep(50);
    expect(s.connections()[0]!.state).toBe('live');
    s.inject('message');
    expect(s.state().queued).toBe(0); // still routed into the dead path
    await s.waitFor(() => s.connections()[0]!.state === 'closed');
    s.inject('message');
    expect(s.state().queued).toBe(1);
    expect(s.deliveries).toHaveLength(1);
  });

  it('with two connections only the one named goes silent; the other keeps its traffic', async () => {
    const s = await sim();
    const a = await TestClient.connect(s);
    const b = await TestClient.connect(s);
    const [ca, cb] = s.connections();
    s.silentDeath({ connectionId: cb!.id, routeForMs: 60_000 });
    for (let i = 0; i < 20; i++) s.inject('message');
    await a.frame(() => a.envelopes().length === s.deliveries.filter((d) => d.connectionId === ca!.id).length);
    expect(b.envelopes()).toHaveLength(0);
    expect(s.deliveries.some((d) => d.connectionId === cb!.id)).toBe(true); // Slack keeps routing there
    expect(s.connections().find((c) => c.id === ca!.id)!.silentSince).toBeUndefined();
  });
});
