// The simulator's Web API as a Bolt app uses it, over real HTTP: views with trigger_ids, messages, reactions,
// users, conversations, the ok:true fallback, and sim.apiCalls (never holding a token).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { callApi } from '../src/core/web-api.ts';
import { startSimulator, type Envelope, type Simulator, type SimulatorOptions } from '../src/simulator/index.ts';

const sims: Simulator[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ pingIntervalMs: 0, ...opts });
  sims.push(s);
  return s;
}

/** A plain socket connected as the app, so injected envelopes are delivered (and their trigger_ids registered). */
async function connectApp(s: Simulator): Promise<void> {
  const open = await callApi('apps.connections.open', {}, { token: s.appToken, apiUrl: s.apiUrl });
  const ws = new WebSocket(open['url'] as string);
  sockets.push(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; envelope_id?: string };
      if (f.type === 'hello') resolve();
      if (f.envelope_id) ws.send(JSON.stringify({ envelope_id: f.envelope_id }));
    });
  });
}

/** Inject and wait until the envelope reached the app (its trigger_id's 3 s start then). */
async function delivered(s: Simulator, kind: Parameters<Simulator['inject']>[0], fields = {}): Promise<Envelope> {
  const env = s.inject(kind, fields);
  await s.waitForAck(env.envelope_id, 5000);
  return env;
}

type Json = Record<string, any>;
/** POST /api/<method> with the bot token as a bearer header and a JSON body (as Bolt's client may). */
async function api(s: Simulator, method: string, args: Json = {}, token: string | null = s.botToken): Promise<Json> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const res = await fetch(`${s.apiUrl}${method}`, { method: 'POST', headers, body: JSON.stringify(args) });
  expect(res.status).toBe(200); // Slack answers errors with 200 and ok:false
  return (await res.json()) as Json;
}

const modal = (title = 'Hello', extra: Json = {}): Json => ({
  type: 'modal',
  title: { type: 'plain_text', text: title },
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: title } }],
  ...extra,
});

describe('tokens', () => {
  it('takes the bot token from the header or a form field; answers not_authed, invalid_auth, not_allowed_token_type', async () => {
    const s = await sim();
    expect((await callApi('users.info', { user: 'U222' }, { token: s.botToken, apiUrl: s.apiUrl })).ok).toBe(true);
    const form = await fetch(`${s.apiUrl}users.info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${s.botToken}&user=U222`,
    }).then((r) => r.json() as Promise<Json>);
    expect(form).toMatchObject({ ok: true, user: { id: 'U222' } });
    expect(await api(s, 'users.info', { user: 'U222' }, null)).toEqual({ ok: false, error: 'not_authed' });
    expect(await api(s, 'users.info', { user: 'U222', token: s.botToken }, null)).toEqual({
      ok: false,
      error: 'not_authed', // a JSON body cannot carry the token
    });
    expect(await api(s, 'views.open', {}, 'xoxb-0-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await api(s, 'chat.update', {}, s.appToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await api(s, 'some.unknownThing', {}, null)).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('views', () => {
  it('views.open with a delivered trigger_id: the view object; a trigger is single-use, unknown ones are invalid', async () => {
    const s = await sim();
    await connectApp(s);
    const env = await delivered(s, 'shortcut');
    const trigger = env.payload['trigger_id'] as string;
    const r = await api(s, 'views.open', {
      trigger_id: trigger,
      view: modal('Form', { callback_id: 'form', private_metadata: 'pm', submit: { type: 'plain_text', text: 'Go' } }),
    });
    expect(r.ok).toBe(true);
    expect(r['view']).toMatchObject({
      id: expect.stringMatching(/^V[A-Z0-9]{10}$/),
      team_id: 'T111',
      type: 'modal',
      callback_id: 'form',
      private_metadata: 'pm',
      state: { values: {} },
      hash: expect.stringMatching(/^\d+\.\w+$/),
      previous_view_id: null,
      app_id: 'A111',
      bot_id: 'B111',
    });
    expect(r['view'].root_view_id).toBe(r['view'].id);
    expect(r['view'].blocks).toHaveLength(1);
    expect(await api(s, 'views.open', { trigger_id: trigger, view: modal() })).toEqual({
      ok: false,
      error: 'exchanged_trigger_id',
    });
    expect(await api(s, 'views.open', { trigger_id: '1.2.nope', view: modal() })).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
    const missing = await api(s, 'views.open', { view: modal() });
    expect(missing).toMatchObject({ ok: false, error: 'invalid_arguments' });
    expect(missing['response_metadata'].messages[0]).toContain('trigger_id');
    const env2 = await delivered(s, 'slash_command');
    expect((await api(s, 'views.open', { trigger_id: env2.payload['trigger_id'], view: { type: 'home' } })).error).toBe(
      'invalid_arguments',
    );
  });

  it('a trigger_id expires 3 s after its envelope was delivered (the simulator clock, no waiting)', async () => {
    let clock = Date.now();
    const s = await sim({ now: () => clock });
    await connectApp(s);
    const a = await delivered(s, 'block_actions');
    const b = await delivered(s, 'shortcut');
    clock += 3000; // exactly 3 s: still good
    expect((await api(s, 'views.open', { trigger_id: a.payload['trigger_id'], view: modal() })).ok).toBe(true);
    clock += 1;
    expect(await api(s, 'views.open', { trigger_id: b.payload['trigger_id'], view: modal() })).toEqual({
      ok: false,
      error: 'expired_trigger_id',
    });
    // A trigger the app never received (no live connection: still queued) is unknown to Slack's app.
    sockets.splice(0).forEach((w) => w.terminate());
    await s.waitFor(() => s.connections().every((c) => c.state === 'closed'), 5000);
    const queued = s.inject('shortcut');
    expect(await api(s, 'views.open', { trigger_id: queued.payload['trigger_id'], view: modal() })).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
  });

  it('views.push stacks on the open modal (3 at most); views.update by view_id or external_id, with hash checks', async () => {
    const s = await sim();
    await connectApp(s);
    const trig = async (): Promise<string> => (await delivered(s, 'block_actions')).payload['trigger_id'] as string;
    const root = (await api(s, 'views.open', { trigger_id: await trig(), view: modal('Root') }))['view'];
    const second = (
      await api(s, 'views.push', { trigger_id: await trig(), view: modal('Second', { external_id: 'ext-2' }) })
    )['view'];
    expect(second).toMatchObject({ root_view_id: root.id, previous_view_id: root.id, external_id: 'ext-2' });
    const third = await api(s, 'views.push', { trigger_id: await trig(), view: modal('Third') });
    expect(third['view'].previous_view_id).toBe(second.id);
    expect(await api(s, 'views.push', { trigger_id: await trig(), view: modal('Fourth') })).toEqual({
      ok: false,
      error: 'push_limit_reached',
    });

    const byId = await api(s, 'views.update', { view_id: root.id, hash: root.hash, view: modal('Root v2') });
    expect(byId['view']).toMatchObject({ id: root.id, root_view_id: root.id });
    expect(byId['view'].hash).not.toBe(root.hash);
    expect(byId['view'].blocks[0].text.text).toBe('Root v2');
    expect(await api(s, 'views.update', { view_id: root.id, hash: root.hash, view: modal('stale') })).toEqual({
      ok: false,
      error: 'hash_conflict',
    });
    const byExt = await api(s, 'views.update', {
      external_id: 'ext-2',
      view: modal('Second v2', { external_id: 'ext-2' }),
    });
    expect(byExt['view']).toMatchObject({ id: second.id, external_id: 'ext-2', previous_view_id: root.id });
    expect(await api(s, 'views.update', { view_id: 'VNOTAVIEW0', view: modal() })).toEqual({
      ok: false,
      error: 'not_found',
    });
    expect(await api(s, 'views.update', { external_id: 'nope', view: modal() })).toEqual({
      ok: false,
      error: 'not_found',
    });
    expect((await api(s, 'views.update', { view: modal() })).error).toBe('invalid_arguments');
    expect(await api(s, 'views.update', { view_id: root.id, view: modal('x', { external_id: 'ext-2' }) })).toEqual({
      ok: false,
      error: 'duplicate_external_id',
    });
  });

  it('views.publish keeps one home view per user (same id, new hash); hash_conflict; home type only; known users', async () => {
    const s = await sim();
    const home = { type: 'home', blocks: [{ type: 'divider' }] };
    const first = await api(s, 'views.publish', { user_id: 'U222', view: home });
    expect(first['view']).toMatchObject({ type: 'home', id: expect.stringMatching(/^V/) });
    // A form-encoded call carries the view as a JSON string, as @slack/web-api sends it.
    const second = await callApi(
      'views.publish',
      { user_id: 'U222', view: JSON.stringify(home), hash: first['view'].hash },
      { token: s.botToken, apiUrl: s.apiUrl },
    );
    expect((second['view'] as Json).id).toBe(first['view'].id);
    expect(await api(s, 'views.publish', { user_id: 'U222', view: home, hash: first['view'].hash })).toEqual({
      ok: false,
      error: 'hash_conflict',
    });
    expect((await api(s, 'views.publish', { user_id: 'U333', view: home }))['view'].id).not.toBe(first['view'].id);
    expect((await api(s, 'views.publish', { user_id: 'U222', view: modal() })).error).toBe('invalid_arguments');
    expect((await api(s, 'views.publish', { user_id: 'U999', view: home })).error).toBe('invalid_arguments');
    expect((await api(s, 'views.publish', { user_id: 'U222', view: '{not json' })).error).toBe('invalid_arguments');
  });
});

describe('messages and reactions', () => {
  it('postMessage gives a ts; update and delete find it by channel+ts; message_not_found, channel_not_found', async () => {
    const s = await sim();
    const p = await api(s, 'chat.postMessage', { channel: 'C111', text: 'first' });
    expect(p).toMatchObject({ ok: true, channel: 'C111', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(p['message']).toMatchObject({ text: 'first', user: 'U0BOT', bot_id: 'B111', ts: p['ts'] });
    const u = await api(s, 'chat.update', { channel: 'C111', ts: p['ts'], text: 'edited' });
    expect(u).toMatchObject({ ok: true, channel: 'C111', ts: p['ts'], text: 'edited' });
    expect(u['message'].edited.user).toBe('U0BOT');
    expect(await api(s, 'chat.update', { channel: 'C111', ts: '1.000001', text: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await api(s, 'chat.update', { channel: 'C111', ts: p['ts'] })).toEqual({ ok: false, error: 'no_text' });
    expect(await api(s, 'chat.postMessage', { channel: 'C999', text: 'x' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await api(s, 'chat.delete', { channel: 'C111', ts: p['ts'] })).toEqual({
      ok: true,
      channel: 'C111',
      ts: p['ts'],
    });
    expect(await api(s, 'chat.delete', { channel: 'C111', ts: p['ts'] })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect((await api(s, 'conversations.history', { channel: 'C111' }))['messages']).toEqual([]);
    // Posting to a #name or to a user (its DM) works as in Slack.
    expect((await api(s, 'chat.postMessage', { channel: '#random', text: 'by name' }))['channel']).toBe('C222');
    expect((await api(s, 'chat.postMessage', { channel: 'U222', text: 'dm' }))['channel']).toMatch(/^D/);
    // sim.posted keeps its shape: chat.postMessage bodies only.
    expect(s.posted.map((r) => [r.kind, (r.body as Json)['text']])).toEqual([
      ['chat.postMessage', 'first'],
      ['chat.postMessage', 'by name'],
      ['chat.postMessage', 'dm'],
    ]);
  });

  it("the message an envelope carries exists: react to a mention, thread under it, update a button's message", async () => {
    const s = await sim();
    await connectApp(s);
    const mention = (await delivered(s, 'app_mention', { text: '<@U0BOT> hi' })).payload['event'] as Json;
    expect(await api(s, 'reactions.add', { channel: 'C111', timestamp: mention['ts'], name: 'eyes' })).toEqual({
      ok: true,
    });
    await api(s, 'chat.postMessage', { channel: 'C111', text: 'answer', thread_ts: mention['ts'] });
    const thread = await api(s, 'conversations.replies', { channel: 'C111', ts: mention['ts'] });
    expect(thread['messages'].map((m: Json) => [m.user, m.text])).toEqual([
      ['U222', '<@U0BOT> hi'],
      ['U0BOT', 'answer'],
    ]);
    // A user's message is not the bot's to edit.
    expect(await api(s, 'chat.update', { channel: 'C111', ts: mention['ts'], text: 'x' })).toEqual({
      ok: false,
      error: 'cant_update_message',
    });
    const click = (await delivered(s, 'block_actions')).payload as Json;
    const u = await api(s, 'chat.update', { channel: click['channel'].id, ts: click['message'].ts, text: 'Clicked!' });
    expect(u).toMatchObject({ ok: true, text: 'Clicked!' });
  });

  it('a channel an envelope names exists; postEphemeral needs a known user and stays out of history', async () => {
    const s = await sim();
    await connectApp(s);
    expect((await api(s, 'conversations.info', { channel: 'C0NEW' })).error).toBe('channel_not_found');
    await delivered(s, 'app_mention', { channel: 'C0NEW', user: 'U0NEW' });
    expect((await api(s, 'conversations.info', { channel: 'C0NEW' }))['channel'].id).toBe('C0NEW');
    expect((await api(s, 'users.info', { user: 'U0NEW' }))['user'].id).toBe('U0NEW');
    const e = await api(s, 'chat.postEphemeral', { channel: 'C0NEW', user: 'U0NEW', text: 'only you' });
    expect(e).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d+$/) });
    expect(await api(s, 'chat.postEphemeral', { channel: 'C0NEW', user: 'U999', text: 'x' })).toEqual({
      ok: false,
      error: 'user_not_found',
    });
    // Only the mention the envelope carried: the ephemeral message is not in the channel's history.
    const history = (await api(s, 'conversations.history', { channel: 'C0NEW' }))['messages'] as Json[];
    expect(history.map((m) => [m['user'], m['text']])).toEqual([['U0NEW', '<@U0BOT> hello']]);
  });

  it('reactions per message, name and user: already_reacted, no_reaction; shown in history', async () => {
    const s = await sim();
    const { ts } = await api(s, 'chat.postMessage', { channel: 'C111', text: 'react to me' });
    expect(await api(s, 'reactions.add', { channel: 'C111', timestamp: ts, name: 'thumbsup' })).toEqual({ ok: true });
    expect(await api(s, 'reactions.add', { channel: 'C111', timestamp: ts, name: ':eyes:' })).toEqual({ ok: true });
    expect(await api(s, 'reactions.add', { channel: 'C111', timestamp: ts, name: 'thumbsup' })).toEqual({
      ok: false,
      error: 'already_reacted',
    });
    let [m] = (await api(s, 'conversations.history', { channel: 'C111' }))['messages'];
    expect(m.reactions).toEqual([
      { name: 'thumbsup', users: ['U0BOT'], count: 1 },
      { name: 'eyes', users: ['U0BOT'], count: 1 },
    ]);
    expect(await api(s, 'reactions.remove', { channel: 'C111', timestamp: ts, name: 'thumbsup' })).toEqual({
      ok: true,
    });
    expect(await api(s, 'reactions.remove', { channel: 'C111', timestamp: ts, name: 'thumbsup' })).toEqual({
      ok: false,
      error: 'no_reaction',
    });
    [m] = (await api(s, 'conversations.history', { channel: 'C111' }))['messages'];
    expect(m.reactions).toEqual([{ name: 'eyes', users: ['U0BOT'], count: 1 }]);
    expect(await api(s, 'reactions.add', { channel: 'C111', timestamp: '1.000001', name: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await api(s, 'reactions.add', { name: 'x' })).toEqual({ ok: false, error: 'no_item_specified' });
  });
});

describe('users and conversations', () => {
  it('users.info knows the bot and the envelope user; user_not_found', async () => {
    const s = await sim();
    expect((await api(s, 'users.info', { user: 'U0BOT' }))['user']).toMatchObject({ id: 'U0BOT', is_bot: true });
    expect((await api(s, 'users.info', { user: 'U222' }))['user']).toMatchObject({
      id: 'U222',
      is_bot: false,
      name: 'sim-user',
    });
    expect(await api(s, 'users.info', { user: 'U404' })).toEqual({ ok: false, error: 'user_not_found' });
  });

  it('conversations.info/list; history newest first with has_more and a cursor; replies parent first', async () => {
    const s = await sim();
    expect((await api(s, 'conversations.info', { channel: 'C111' }))['channel']).toMatchObject({
      id: 'C111',
      name: 'general',
    });
    const list1 = await api(s, 'conversations.list', { limit: 2 });
    expect(list1['channels'].map((c: Json) => c.id)).toEqual(['C111', 'C222']);
    const list2 = await api(s, 'conversations.list', { limit: 2, cursor: list1['response_metadata'].next_cursor });
    expect(list2['channels'].map((c: Json) => c.id)).toEqual(['C333']);
    expect(list2['response_metadata'].next_cursor).toBe('');

    const tss: string[] = [];
    for (const text of ['one', 'two', 'three', 'four', 'five']) {
      tss.push((await api(s, 'chat.postMessage', { channel: 'C222', text }))['ts']);
    }
    const reply = await api(s, 'chat.postMessage', { channel: 'C222', text: 'in thread', thread_ts: tss[1] });
    const p1 = await api(s, 'conversations.history', { channel: 'C222', limit: 2 });
    expect(p1['messages'].map((m: Json) => m.text)).toEqual(['five', 'four']);
    expect(p1['has_more']).toBe(true);
    const p2 = await api(s, 'conversations.history', {
      channel: 'C222',
      limit: 2,
      cursor: p1['response_metadata'].next_cursor,
    });
    expect(p2['messages'].map((m: Json) => m.text)).toEqual(['three', 'two']);
    expect(p2['messages'][1]).toMatchObject({ reply_count: 1, thread_ts: tss[1], latest_reply: reply['ts'] });
    const p3 = await api(s, 'conversations.history', {
      channel: 'C222',
      limit: 2,
      cursor: p2['response_metadata'].next_cursor,
    });
    expect(p3['messages'].map((m: Json) => m.text)).toEqual(['one']);
    expect(p3['has_more']).toBe(false);
    const windowed = await api(s, 'conversations.history', { channel: 'C222', oldest: tss[1], latest: tss[3] });
    expect(windowed['messages'].map((m: Json) => m.text)).toEqual(['three']);
    const inclusive = await api(s, 'conversations.history', {
      channel: 'C222',
      oldest: tss[1],
      latest: tss[3],
      inclusive: true,
    });
    expect(inclusive['messages'].map((m: Json) => m.text)).toEqual(['four', 'three', 'two']);

    const thread = await api(s, 'conversations.replies', { channel: 'C222', ts: tss[1] });
    expect(thread['messages'].map((m: Json) => m.text)).toEqual(['two', 'in thread']);
    expect(await api(s, 'conversations.replies', { channel: 'C222', ts: '1.000001' })).toEqual({
      ok: false,
      error: 'thread_not_found',
    });
    expect(await api(s, 'conversations.history', { channel: 'C404' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect((await api(s, 'conversations.history', { channel: 'C222', cursor: 'garbage' })).error).toBe(
      'invalid_cursor',
    );
  });
});

describe('fallback and the record', () => {
  it('an unmodeled method answers ok:true, logged as not modeled; every call is in sim.apiCalls without a token', async () => {
    const lines: string[] = [];
    const s = await sim({ log: (l) => lines.push(l) });
    const events: Json[] = [];
    s.on('api_call', (r) => events.push(r));
    const r = await callApi('pins.add', { channel: 'C111', timestamp: '1.2' }, { token: s.botToken, apiUrl: s.apiUrl });
    expect(r.ok).toBe(true);
    expect(lines.some((l) => l.includes('pins.add') && l.includes('not modeled by the simulator'))).toBe(true);
    await api(s, 'chat.postMessage', { channel: 'C111', text: `leak? ${s.botToken}` });
    await api(s, 'users.info', { user: 'U404' });
    await fetch(`${s.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${s.botToken}`,
    });
    expect(s.apiCalls.map((c) => [c.method, c.ok, c.modeled, c.error])).toEqual([
      ['pins.add', true, false, undefined],
      ['chat.postMessage', true, true, undefined],
      ['users.info', false, true, 'user_not_found'],
      ['auth.test', true, true, undefined],
    ]);
    expect(s.apiCalls[0]).toMatchObject({ args: { channel: 'C111', timestamp: '1.2' }, response: { ok: true } });
    expect(s.apiCalls[2]!.response).toEqual({ ok: false, error: 'user_not_found' });
    expect(events).toHaveLength(4);
    const state = (await fetch(`${s.url}/_sim/state`).then((x) => x.json())) as Json;
    expect(state['apiCalls'].map((c: Json) => c.method)).toEqual([
      'pins.add',
      'chat.postMessage',
      'users.info',
      'auth.test',
    ]);
    for (const text of [
      JSON.stringify(s.apiCalls),
      JSON.stringify(s.posted),
      JSON.stringify(state),
      lines.join('\n'),
    ]) {
      expect(text).not.toContain(s.botToken);
      expect(text).not.toContain(s.appToken);
    }
    s.resetStats();
    expect(s.apiCalls).toHaveLength(0);
  });
});

describe("@slack/web-api's WebClient (Bolt's client) against the simulator", () => {
  it('opens, updates and publishes views, posts, reacts and reads history; an error rejects with the Slack code', async () => {
    const { WebClient, LogLevel } = await import('@slack/web-api');
    const warnings: string[] = [];
    const s = await sim();
    await connectApp(s);
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (...m: unknown[]) => warnings.push(m.join(' ')),
      error: () => {},
      setLevel: () => {},
      getLevel: () => LogLevel.WARN,
      setName: () => {},
    };
    const client = new WebClient(s.botToken, { slackApiUrl: s.apiUrl, logger, retryConfig: { retries: 0 } });
    expect((await client.auth.test()).user_id).toBe('U0BOT');
    const env = await delivered(s, 'shortcut');
    const opened = await client.views.open({
      trigger_id: env.payload['trigger_id'] as string,
      view: { type: 'modal', callback_id: 'm', title: { type: 'plain_text', text: 'T' }, blocks: [] },
    });
    expect(opened.view?.id).toMatch(/^V/);
    const updated = await client.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: { type: 'modal', title: { type: 'plain_text', text: 'T2' }, blocks: [] },
    });
    expect(updated.view?.id).toBe(opened.view!.id);
    await client.views.publish({ user_id: 'U222', view: { type: 'home', blocks: [] } });
    const posted = await client.chat.postMessage({ channel: 'C111', text: 'hi', blocks: [{ type: 'divider' }] });
    await client.reactions.add({ channel: 'C111', timestamp: posted.ts!, name: 'wave' });
    const history = await client.conversations.history({ channel: 'C111' });
    expect(history.messages?.[0]).toMatchObject({ text: 'hi', reactions: [{ name: 'wave', count: 1 }] });
    const err = await client.chat.update({ channel: 'C111', ts: '1.000001', text: 'x' }).catch((e: unknown) => e);
    expect((err as { data?: { error?: string } }).data?.error).toBe('message_not_found');
    await client.apiCall('bookmarks.list', { channel_id: 'C111' });
    expect(warnings.some((w) => w.includes('method_not_modeled_by_simulator'))).toBe(true);
    expect(s.apiCalls.map((c) => c.method)).toEqual([
      'auth.test',
      'views.open',
      'views.update',
      'views.publish',
      'chat.postMessage',
      'reactions.add',
      'conversations.history',
      'chat.update',
      'bookmarks.list',
    ]);
    expect(JSON.stringify(s.apiCalls)).not.toContain(s.botToken);
  });
});
