// The Web API's state (workspace and views) and what it learns from each envelope the app receives: the
// trigger_id it may exchange (its 3 s start at that delivery), and the users and channels it names.
import type { Envelope } from './types.ts';
import { ViewStore } from './view-store.ts';
import { BOT_ID, Workspace } from './workspace.ts';

const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const s = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class WebState {
  readonly ws: Workspace;
  readonly views: ViewStore;

  constructor(opts: { teamId: string; appId: string; now: () => number }) {
    this.ws = new Workspace(opts.teamId);
    this.views = new ViewStore({ teamId: opts.teamId, appId: opts.appId, botId: BOT_ID }, opts.now);
  }

  /** An envelope went out to the app. */
  learn(env: Envelope): void {
    const p = rec(env.payload);
    if (!p) return;
    const event = rec(p['event']);
    const user = rec(p['user']);
    const channel = rec(p['channel']);
    const userId = s(user?.['id']) ?? s(p['user_id']) ?? s(event?.['user']);
    if (userId) this.ws.learnUser(userId, s(user?.['username']) ?? s(p['user_name']));
    const channelId =
      s(channel?.['id']) ??
      s(p['channel_id']) ??
      s(event?.['channel']) ??
      s(rec(event?.['item'])?.['channel']) ??
      s(rec(p['container'])?.['channel_id']);
    if (channelId) this.ws.learnChannel(channelId, s(channel?.['name']) ?? s(p['channel_name']));
    if (channelId) this.adoptMessage(channelId, event, rec(p['message']));
    const trigger = s(p['trigger_id']);
    if (trigger && userId) this.views.registerTrigger(trigger, userId);
  }

  /**
   * The message an envelope is about exists in its channel from then on, so the app can react to it, thread
   * under it, or update it (a button's message is the bot's own): a user's message or mention event, or the
   * `message` of an interactive payload.
   */
  private adoptMessage(channel: string, event?: Record<string, unknown>, message?: Record<string, unknown>): void {
    const isUserMessage =
      event && (event['type'] === 'message' || event['type'] === 'app_mention') && !event['subtype'];
    const m = isUserMessage ? event : message;
    const ts = s(m?.['ts']);
    const user = s(m?.['user']);
    if (!m || !ts || !user) return;
    this.ws.adopt(channel, {
      ts,
      user,
      ...(typeof m['text'] === 'string' ? { text: m['text'] } : {}),
      ...(Array.isArray(m['blocks']) ? { blocks: m['blocks'] } : {}),
      ...(s(m['thread_ts']) ? { thread_ts: s(m['thread_ts'])! } : {}),
      ...(s(m['bot_id']) ? { bot_id: s(m['bot_id'])! } : {}),
    });
  }
}
