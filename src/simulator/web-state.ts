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
    const trigger = s(p['trigger_id']);
    if (trigger && userId) this.views.registerTrigger(trigger, userId);
  }
}
