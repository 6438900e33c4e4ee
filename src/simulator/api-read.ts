// What a bot reads: auth.test, users.info, conversations.info / list / history / replies (paged with
// cursor/limit as Slack pages them).
import type { Method } from './api-views.ts';
import { bool, fail, isAnswer, page, str, type Args } from './web-args.ts';
import {
  BOT_ID,
  BOT_USER,
  compareTs,
  type SimChannel,
  type SimMessage,
  type SimUser,
  type Workspace,
} from './workspace.ts';

function userObject(u: SimUser, teamId: string): Record<string, unknown> {
  return {
    id: u.id,
    team_id: teamId,
    name: u.name,
    deleted: false,
    real_name: u.real_name,
    tz: 'Etc/UTC',
    tz_offset: 0,
    is_bot: u.is_bot,
    is_app_user: false,
    ...(u.bot_id
      ? { profile: { real_name: u.real_name, display_name: u.name, bot_id: u.bot_id, team: teamId } }
      : {
          profile: { real_name: u.real_name, display_name: u.name, team: teamId },
        }),
  };
}

function channelObject(c: SimChannel, teamId: string, members: number): Record<string, unknown> {
  if (c.is_im) return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.user, is_open: true };
  return {
    id: c.id,
    name: c.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created: c.created,
    is_archived: false,
    is_general: c.name === 'general',
    is_member: true,
    name_normalized: c.name,
    context_team_id: teamId,
    num_members: members,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

const out = (m: SimMessage): Record<string, unknown> => ({ ...m, channel: undefined });

/** Slack's oldest/latest/inclusive window over ts strings. */
function inWindow(args: Args): (m: SimMessage) => boolean {
  const oldest = str(args, 'oldest');
  const latest = str(args, 'latest');
  const inclusive = bool(args, 'inclusive');
  return (m) => {
    if (oldest) {
      const c = compareTs(m.ts, oldest);
      if (c < 0 || (c === 0 && !inclusive)) return false;
    }
    if (latest) {
      const c = compareTs(m.ts, latest);
      if (c > 0 || (c === 0 && !inclusive)) return false;
    }
    return true;
  };
}

export function readMethods(ws: Workspace, teamId: string): Record<string, Method> {
  const channelOf = (args: Args): SimChannel | undefined => {
    const id = str(args, 'channel');
    return id ? ws.channels.get(id) : undefined;
  };
  return {
    'auth.test': () => ({
      ok: true,
      url: 'https://simulator.slack.com/',
      team: 'Simulator',
      user: 'simbot',
      team_id: teamId,
      user_id: BOT_USER,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    }),
    'users.info': (args) => {
      const id = str(args, 'user');
      const u = id ? ws.users.get(id) : undefined;
      return u ? { ok: true, user: userObject(u, teamId) } : fail('user_not_found');
    },
    'conversations.info': (args) => {
      const c = channelOf(args);
      return c ? { ok: true, channel: channelObject(c, teamId, ws.users.size) } : fail('channel_not_found');
    },
    'conversations.list': (args) => {
      const types = (str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim());
      const list = [...ws.channels.values()].filter((c) =>
        c.is_im ? types.includes('im') : types.includes('public_channel'),
      );
      const p = page(list, args, 100);
      if (isAnswer(p)) return p;
      return {
        ok: true,
        channels: p.items.map((c) => channelObject(c, teamId, ws.users.size)),
        response_metadata: { next_cursor: p.next_cursor },
      };
    },
    'conversations.history': (args) => {
      const c = channelOf(args);
      if (!c) return fail('channel_not_found');
      const p = page(ws.history(c.id).filter(inWindow(args)), args, 100);
      if (isAnswer(p)) return p;
      return {
        ok: true,
        messages: p.items.map(out),
        has_more: p.has_more,
        pin_count: 0,
        response_metadata: { next_cursor: p.next_cursor },
      };
    },
    'conversations.replies': (args) => {
      const c = channelOf(args);
      if (!c) return fail('channel_not_found');
      const ts = str(args, 'ts');
      const thread = ts ? ws.thread(c.id, ts) : undefined;
      if (!thread) return fail('thread_not_found');
      const p = page(thread.filter(inWindow(args)), args, 1000);
      if (isAnswer(p)) return p;
      return {
        ok: true,
        messages: p.items.map(out),
        has_more: p.has_more,
        response_metadata: { next_cursor: p.next_cursor },
      };
    },
  };
}
