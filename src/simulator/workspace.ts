// The simulated workspace the Web API reads and writes: seeded users and channels (plus those a delivered
// envelope names), and the messages posted in each channel with their threads and reactions.
import { newTs } from './envelopes.ts';

export const BOT_USER = 'U0BOT';
export const BOT_ID = 'B111';
export const HUMAN = 'U222';

export interface SimUser {
  id: string;
  name: string;
  real_name: string;
  is_bot: boolean;
  bot_id?: string;
}

export interface SimChannel {
  id: string;
  name: string;
  is_im: boolean;
  /** the other party of a DM */
  user?: string;
  created: number; // epoch s
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface SimMessage {
  type: 'message';
  ts: string;
  channel: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  thread_ts?: string;
  reply_count?: number;
  latest_reply?: string;
  reactions?: Reaction[];
  edited?: { user: string; ts: string };
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

export class Workspace {
  readonly users = new Map<string, SimUser>();
  readonly channels = new Map<string, SimChannel>();
  /** per channel, in posting order (top-level messages and thread replies alike) */
  private readonly messages = new Map<string, SimMessage[]>();
  /** `channel ts` -> message: every envelope's message is adopted, so lookups must not scan (bench load) */
  private readonly index = new Map<string, SimMessage>();

  constructor(readonly teamId: string) {
    this.addUser({ id: BOT_USER, name: 'simbot', real_name: 'Simulator Bot', is_bot: true, bot_id: BOT_ID });
    this.addUser({ id: HUMAN, name: 'sim-user', real_name: 'Sim User', is_bot: false });
    this.addUser({ id: 'U333', name: 'sim-other', real_name: 'Other User', is_bot: false });
    this.addChannel('C111', 'general');
    this.addChannel('C222', 'random');
    this.addChannel('C333', 'dev');
  }

  addUser(u: SimUser): void {
    if (!this.users.has(u.id)) this.users.set(u.id, u);
  }

  addChannel(id: string, name: string): SimChannel {
    let c = this.channels.get(id);
    if (!c) {
      c = { id, name, is_im: id.startsWith('D'), created: nowSec() };
      this.channels.set(id, c);
    }
    return c;
  }

  /** A user the simulator has not seen yet, named by a delivered envelope. */
  learnUser(id: string, name?: string): void {
    if (/^[UW][A-Z0-9]+$/.test(id))
      this.addUser({ id, name: name ?? id.toLowerCase(), real_name: name ?? id, is_bot: false });
  }

  /** A channel named by a delivered envelope exists from then on (as it does in Slack for the app). */
  learnChannel(id: string, name?: string): void {
    if (/^[CGD][A-Z0-9]+$/.test(id)) this.addChannel(id, name ?? id.toLowerCase());
  }

  /**
   * Where a post goes: a channel id, a `#name`/name, or a user id (the DM with that user, opened as Slack
   * does). Undefined = channel_not_found.
   */
  resolve(channel: string): SimChannel | undefined {
    const byId = this.channels.get(channel);
    if (byId) return byId;
    const name = channel.replace(/^#/, '');
    for (const c of this.channels.values()) if (!c.is_im && c.name === name) return c;
    const user = this.users.get(channel);
    if (user && user.id !== BOT_USER) {
      const dm = this.addChannel(`D${user.id.slice(1)}`, user.id);
      dm.user = user.id;
      return dm;
    }
    return undefined;
  }

  post(channel: string, msg: Omit<SimMessage, 'type' | 'ts' | 'channel'>): SimMessage {
    const m: SimMessage = { type: 'message', ts: newTs(), channel, ...msg };
    this.store(m);
    if (m.thread_ts && m.thread_ts !== m.ts) {
      const parent = this.find(channel, m.thread_ts);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
        parent.latest_reply = m.ts;
      }
    }
    return m;
  }

  /** A message Slack already has (one an envelope carried): stored once under its own ts. */
  adopt(channel: string, msg: Omit<SimMessage, 'type' | 'channel'>): void {
    if (!this.find(channel, msg.ts)) this.store({ type: 'message', channel, ...msg });
  }

  find(channel: string, ts: string): SimMessage | undefined {
    return this.index.get(`${channel} ${ts}`);
  }

  /** Kept bounded like the records: a channel keeps its newest 10,000 messages, trimmed at 15,000. */
  private store(m: SimMessage): void {
    let list = this.messages.get(m.channel);
    if (!list) this.messages.set(m.channel, (list = []));
    list.push(m);
    this.index.set(`${m.channel} ${m.ts}`, m);
    if (list.length < 15_000) return;
    for (const old of list.splice(0, list.length - 10_000)) this.index.delete(`${old.channel} ${old.ts}`);
  }

  remove(channel: string, ts: string): boolean {
    const list = this.messages.get(channel);
    const i = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || i < 0) return false;
    const [m] = list.splice(i, 1);
    this.index.delete(`${channel} ${ts}`);
    const parent = m!.thread_ts && m!.thread_ts !== ts ? this.find(channel, m!.thread_ts) : undefined;
    if (parent?.reply_count) parent.reply_count--;
    return true;
  }

  /** Top-level messages (and thread parents), newest first, as conversations.history lists them. */
  history(channel: string): SimMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => !m.thread_ts || m.thread_ts === m.ts).reverse();
  }

  /** A thread: its parent first, then its replies oldest first (conversations.replies' order). */
  thread(channel: string, ts: string): SimMessage[] | undefined {
    const list = this.messages.get(channel) ?? [];
    const parent = this.find(channel, ts);
    if (!parent) return undefined;
    if (parent.thread_ts && parent.thread_ts !== parent.ts) return this.thread(channel, parent.thread_ts);
    return [parent, ...list.filter((m) => m.thread_ts === ts && m.ts !== ts)];
  }

  /** 'already_reacted' / 'no_reaction', or undefined when done. */
  react(m: SimMessage, name: string, user: string, add: boolean): string | undefined {
    const list = (m.reactions ??= []);
    const r = list.find((x) => x.name === name);
    if (add) {
      if (r?.users.includes(user)) return 'already_reacted';
      if (r) r.users.push(user);
      else list.push({ name, users: [user], count: 0 });
    } else {
      if (!r || !r.users.includes(user)) return 'no_reaction';
      r.users = r.users.filter((u) => u !== user);
    }
    for (const x of list) x.count = x.users.length;
    m.reactions = list.filter((x) => x.count > 0);
    if (m.reactions.length === 0) delete m.reactions;
    return undefined;
  }
}

/** Numeric comparison of two Slack ts strings ("seconds.micros"). */
export function compareTs(a: string, b: string): number {
  const [as, au = '0'] = a.split('.');
  const [bs, bu = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}
