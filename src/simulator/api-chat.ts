// chat.postMessage / update / delete / postEphemeral and reactions.add / remove over the workspace's messages,
// with Slack's checks (channel_not_found, message_not_found, cant_update_message, already_reacted, …).
import type { Method } from './api-views.ts';
import { newTs } from './envelopes.ts';
import { content, fail, isAnswer, str, type Answer, type Args } from './web-args.ts';
import { BOT_ID, BOT_USER, type SimChannel, type SimMessage, type Workspace } from './workspace.ts';

export interface ChatDeps {
  ws: Workspace;
  appId: string;
  teamId: string;
  /** chat.postMessage succeeded: its arguments (without a token) go to sim.posted */
  onPosted(args: Args): void;
}

/** Message content, or no_text when it has none (Slack needs text, blocks or attachments). */
function body(args: Args): ReturnType<typeof content> {
  const c = content(args);
  if (isAnswer(c)) return c;
  if (c.text === undefined && c.blocks === undefined && c.attachments === undefined) return fail('no_text');
  return c;
}

export function chatMethods(deps: ChatDeps): Record<string, Method> {
  const { ws } = deps;
  const channelOf = (args: Args, name = 'channel'): SimChannel | Answer => {
    const id = str(args, name);
    return (id && ws.resolve(id)) || fail('channel_not_found');
  };
  const messageOf = (args: Args, tsName: string): { ch: SimChannel; m: SimMessage } | Answer => {
    const ch = channelOf(args);
    if (isAnswer(ch)) return ch;
    const ts = str(args, tsName);
    const m = ts ? ws.find(ch.id, ts) : undefined;
    return m ? { ch, m } : fail('message_not_found');
  };
  const botFields = { user: BOT_USER, bot_id: BOT_ID, app_id: deps.appId, team: deps.teamId };

  return {
    'chat.postMessage': (args) => {
      const ch = channelOf(args);
      if (isAnswer(ch)) return ch;
      const c = body(args);
      if (isAnswer(c)) return c;
      const thread = str(args, 'thread_ts');
      const m = ws.post(ch.id, { ...botFields, ...c, ...(thread ? { thread_ts: thread } : {}) });
      deps.onPosted(args);
      return { ok: true, channel: ch.id, ts: m.ts, message: { ...m, channel: undefined } };
    },
    'chat.postEphemeral': (args) => {
      const ch = channelOf(args);
      if (isAnswer(ch)) return ch;
      const user = str(args, 'user');
      if (!user || !ws.users.has(user)) return fail('user_not_found');
      const c = body(args);
      if (isAnswer(c)) return c;
      // Only that user sees it, never in history: nothing is stored but the record of the call.
      return { ok: true, message_ts: newTs() };
    },
    'chat.update': (args) => {
      const found = messageOf(args, 'ts');
      if (isAnswer(found)) return found;
      const { ch, m } = found;
      if (m.user !== BOT_USER) return fail('cant_update_message');
      const c = body(args);
      if (isAnswer(c)) return c;
      // Slack keeps the old blocks only when neither text nor blocks are given; text alone drops them.
      if (c.text !== undefined) m.text = c.text;
      if (c.blocks !== undefined) m.blocks = c.blocks;
      else if (c.text !== undefined) delete m.blocks;
      if (c.attachments !== undefined) m.attachments = c.attachments;
      m.edited = { user: BOT_USER, ts: newTs() };
      return { ok: true, channel: ch.id, ts: m.ts, text: m.text ?? '', message: { ...m, channel: undefined } };
    },
    'chat.delete': (args) => {
      const found = messageOf(args, 'ts');
      if (isAnswer(found)) return found;
      if (found.m.user !== BOT_USER) return fail('cant_delete_message');
      ws.remove(found.ch.id, found.m.ts);
      return { ok: true, channel: found.ch.id, ts: found.m.ts };
    },
    'reactions.add': (args) => react(args, true),
    'reactions.remove': (args) => react(args, false),
  };

  function react(args: Args, add: boolean): Answer {
    if (!str(args, 'channel') || !str(args, 'timestamp')) return fail('no_item_specified');
    const name = str(args, 'name')?.replace(/^:|:$/g, '');
    if (!name || !/^[a-z0-9_+'-]+(::skin-tone-\d)?$/.test(name)) return fail('invalid_name');
    const found = messageOf(args, 'timestamp');
    if (isAnswer(found)) return found;
    const error = ws.react(found.m, name, BOT_USER, add);
    return error ? fail(error) : { ok: true };
  }
}
