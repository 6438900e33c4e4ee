// What the dev panel shows of the bot's side, from the simulator: labeled app tokens (whose connection is the
// bot's, whose the page's), `to: <label>` delivery, each delivery's envelope and each ack's frame as read, and
// Web API calls / response_url posts tied to the envelope they answer. Real sockets, the example bot's handler.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { callApi } from '../src/core/web-api.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { SocketModeClient } from '../src/platform/node.ts';

const sims: Simulator[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(): Promise<Simulator> {
  const s = await startSimulator({ pingIntervalMs: 0, ackTimeoutMs: 300, redeliveryDelaysMs: [0, 0] });
  sims.push(s);
  return s;
}

/** A raw socket opened with `token`; acks (with `payload` if given) unless `silent`. */
async function rawApp(s: Simulator, token: string, opts: { silent?: boolean; payload?: unknown } = {}) {
  const open = await callApi('apps.connections.open', {}, { token, apiUrl: s.apiUrl });
  const ws = new WebSocket(open['url'] as string);
  cleanups.push(() => ws.terminate());
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; envelope_id?: string };
      if (f.type === 'hello') resolve();
      if (!f.envelope_id) return;
      got.push(f.envelope_id);
      if (!opts.silent)
        ws.send(
          JSON.stringify({
            envelope_id: f.envelope_id,
            ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
          }),
        );
    });
  });
  return { ws, got };
}

/** The example echo bot's app_mention handler (examples/node/echo-bot.mjs): ack, then say it in the channel. */
async function echoBot(s: Simulator) {
  const bot = new SocketModeClient({ appToken: s.appTokenFor('bot'), apiUrl: s.apiUrl, logLevel: 'error' as never });
  bot.on('app_mention', async ({ ack, event }) => {
    await ack();
    const e = event as unknown as { channel: string; text: string };
    await callApi(
      'chat.postMessage',
      { channel: e.channel, text: `echo: ${e.text}` },
      { token: s.botToken, apiUrl: s.apiUrl },
    );
  });
  await bot.start();
  cleanups.push(() => bot.disconnect());
  return bot;
}

describe('labeled app tokens', () => {
  it('appTokenFor: one token per label, accepted by apps.connections.open; the connection carries the label', async () => {
    const s = await sim();
    const t = s.appTokenFor('bot');
    expect(s.appTokenFor('bot')).toBe(t);
    expect(s.appTokenFor('page')).not.toBe(t);
    expect(t).toMatch(/^xapp-1-A111-\d+-bot$/);
    expect(() => s.appTokenFor('no spaces')).toThrow(TypeError);
    await rawApp(s, t);
    await rawApp(s, s.appToken);
    expect(s.connections().map((c) => c.label)).toEqual(['bot', undefined]);
    // still an app token: refused for the Web API, like the main one
    const r = await fetch(`${s.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C111', text: 'x' }),
    }).then((x) => x.json());
    expect(r).toMatchObject({ error: 'not_allowed_token_type' });
  });

  it("inject {to: label} goes only to that label's connections; none live is a clear 400", async () => {
    const s = await sim();
    const post = (body: unknown) =>
      fetch(`${s.url}/_sim/inject`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const none = await post({ kind: 'app_mention', to: 'bot' });
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ ok: false, error: 'no_live_connection', to: 'bot' });
    const bot = await rawApp(s, s.appTokenFor('bot'));
    const page = await rawApp(s, s.appTokenFor('page'));
    for (let i = 0; i < 12; i++)
      expect((await post({ kind: 'app_mention', text: `hi ${i}`, to: 'bot' })).status).toBe(200);
    await s.waitFor(() => s.acks.length === 12);
    expect(bot.got).toHaveLength(12);
    expect(page.got).toHaveLength(0);
    expect(() => s.inject('app_mention', {}, { label: 'nobody' })).toThrow(/no live connection labeled nobody/);
  });
});

describe('records of what each connection received and acked', () => {
  it('a delivery carries the envelope as sent; an ack the frame as read; a retry chain shares the event_id', async () => {
    const s = await sim();
    const silent = await rawApp(s, s.appToken, { silent: true });
    const env = s.inject('app_mention', { text: 'retry me' });
    await s.waitFor(() => s.deliveries.length === 3 && silent.got.length === 3, 3000); // first + 2 retries
    expect(s.deliveries[0]!.envelope).toEqual(env);
    expect(s.deliveries.map((d) => d.retry_attempt)).toEqual([0, 1, 2]);
    expect(new Set(s.deliveries.map((d) => d.event_id)).size).toBe(1);
    expect(s.deliveries[2]!.envelope).toMatchObject({ retry_attempt: 2, retry_reason: 'timeout' });
    await s.waitFor(() => s.missedDeadlines().length === 3, 3000);

    await rawApp(s, s.appToken, { payload: { text: 'ok' } });
    silent.ws.terminate();
    await s.waitFor(() => s.connections().filter((c) => c.state === 'live').length === 1);
    const e2 = s.inject('slash_command');
    const ack = await s.waitForAck(e2.envelope_id);
    expect(ack.frame).toEqual({ envelope_id: e2.envelope_id, payload: { text: 'ok' } });
  });
});

describe('Web API calls tied to the envelope they answer', () => {
  it('the echo bot: its chat.postMessage (by time + connection) and ack are tied to the mention', async () => {
    const s = await sim();
    await echoBot(s);
    const env = s.inject('app_mention', { text: '<@U0BOT> hello' });
    await s.waitFor(() => s.apiCalls.length === 1 && s.posted.length === 1);
    expect(s.apiCalls[0]).toMatchObject({ method: 'chat.postMessage', envelope_id: env.envelope_id, linkedBy: 'time' });
    expect(s.posted[0]).toMatchObject({ envelope_id: env.envelope_id, linkedBy: 'time' });
    expect(s.connections()[0]!.label).toBe('bot');
  });

  it('by trigger_id, by channel + ts, by response_url; nothing when nothing fits', async () => {
    const s = await sim();
    await rawApp(s, s.appToken);
    const api = (method: string, args: Record<string, unknown>) =>
      callApi(method, args, { token: s.botToken, apiUrl: s.apiUrl });
    const shortcut = s.inject('shortcut');
    await s.waitForAck(shortcut.envelope_id);
    const mention = s.inject('app_mention', { text: 'thread me' });
    await s.waitForAck(mention.envelope_id);
    const slash = s.inject('slash_command');
    await s.waitForAck(slash.envelope_id);
    const ev = mention.payload['event'] as { channel: string; ts: string };

    await api('views.open', {
      trigger_id: shortcut.payload['trigger_id'],
      view: { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [] },
    });
    await api('reactions.add', { channel: ev.channel, timestamp: ev.ts, name: 'eyes' });
    await api('chat.postMessage', { channel: ev.channel, thread_ts: ev.ts, text: 'in thread' });
    await fetch(slash.payload['response_url'] as string, { method: 'POST', body: JSON.stringify({ text: 'later' }) });
    await api('chat.postMessage', { channel: 'C222', text: 'elsewhere' }); // another channel: no envelope there

    expect(s.apiCalls.map((c) => [c.method, c.envelope_id, c.linkedBy])).toEqual([
      ['views.open', shortcut.envelope_id, 'trigger_id'],
      ['reactions.add', mention.envelope_id, 'channel_ts'],
      ['chat.postMessage', mention.envelope_id, 'channel_ts'],
      ['chat.postMessage', undefined, undefined],
    ]);
    expect(s.posted.find((p) => p.kind === 'response_url')).toMatchObject({
      envelope_id: slash.envelope_id,
      linkedBy: 'response_url',
    });
  });
});
