// Views (modals and home tabs) and the trigger_ids that open them. A view gets a V… id and a hash that changes
// on every update; a trigger_id is good for one exchange within 3 s of the envelope that carried it reaching
// the app (Slack's rule), then expired_trigger_id.
import { randomBytes } from 'node:crypto';

/** Slack's trigger_id lifetime. */
export const TRIGGER_TTL_MS = 3000;

const alnum = (n: number): string => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (const b of randomBytes(n)) s += chars[b % chars.length];
  return s;
};

export type SimView = Record<string, unknown> & { id: string; hash: string; type: string };

interface Trigger {
  user: string;
  deliveredAt: number; // from the simulator's clock
  exchanged: boolean;
}

export interface ViewIdentity {
  teamId: string;
  appId: string;
  botId: string;
}

export class ViewStore {
  private readonly views = new Map<string, SimView>();
  private readonly byExternal = new Map<string, string>();
  private readonly homes = new Map<string, string>(); // user -> view id
  private readonly stacks = new Map<string, string[]>(); // user -> modal stack (root first)
  private readonly triggers = new Map<string, Trigger>();

  constructor(
    private readonly id: ViewIdentity,
    private readonly now: () => number,
  ) {}

  /** An envelope carrying `trigger_id` for `user` reached the app: its 3 s start now (first delivery only). */
  registerTrigger(triggerId: string, user: string): void {
    if (!this.triggers.has(triggerId))
      this.triggers.set(triggerId, { user, deliveredAt: this.now(), exchanged: false });
    if (this.triggers.size > 10_000) this.triggers.delete(this.triggers.keys().next().value!);
  }

  /** Exchange a trigger_id: its user, or Slack's error code. */
  exchange(triggerId: string): { user: string } | { error: string } {
    const t = this.triggers.get(triggerId);
    if (!t) return { error: 'invalid_trigger_id' };
    if (this.now() - t.deliveredAt > TRIGGER_TTL_MS) return { error: 'expired_trigger_id' };
    if (t.exchanged) return { error: 'exchanged_trigger_id' };
    t.exchanged = true;
    return { user: t.user };
  }

  get(viewId: string): SimView | undefined {
    return this.views.get(viewId);
  }

  byExternalId(externalId: string): SimView | undefined {
    const id = this.byExternal.get(externalId);
    return id ? this.views.get(id) : undefined;
  }

  /** True when `externalId` is taken by a view other than `viewId`. */
  externalTaken(externalId: unknown, viewId?: string): boolean {
    if (typeof externalId !== 'string' || externalId === '') return false;
    const owner = this.byExternal.get(externalId);
    return owner !== undefined && owner !== viewId;
  }

  /** views.open: a new modal stack for the user. */
  open(user: string, def: Record<string, unknown>): SimView {
    const v = this.create(def, undefined, undefined);
    this.stacks.set(user, [v.id]);
    return v;
  }

  /** views.push: on top of the user's stack (at most 3 views: Slack's push_limit_reached). */
  push(user: string, def: Record<string, unknown>): { view: SimView } | { error: string } {
    const stack = this.stacks.get(user) ?? [];
    if (stack.length >= 3) return { error: 'push_limit_reached' };
    const view = this.create(def, stack[0], stack[stack.length - 1]);
    this.stacks.set(user, [...stack, view.id]);
    return { view };
  }

  /** views.update: new content, same id, a new hash. */
  update(v: SimView, def: Record<string, unknown>): SimView {
    return this.create(def, v['root_view_id'] as string | undefined, v['previous_view_id'] as string | undefined, v.id);
  }

  /** views.publish: the user's home tab (one per user, same id across publishes). */
  publish(user: string, def: Record<string, unknown>): SimView {
    const prev = this.homes.get(user);
    const v = this.create(def, undefined, undefined, prev);
    this.homes.set(user, v.id);
    return v;
  }

  home(user: string): SimView | undefined {
    const id = this.homes.get(user);
    return id ? this.views.get(id) : undefined;
  }

  private create(def: Record<string, unknown>, root?: string, previous?: string, keepId?: string): SimView {
    const id = keepId ?? `V${alnum(10)}`;
    const old = keepId ? this.views.get(keepId) : undefined;
    if (old && typeof old['external_id'] === 'string' && old['external_id']) this.byExternal.delete(old['external_id']);
    const external = typeof def['external_id'] === 'string' ? def['external_id'] : '';
    const v: SimView = {
      id,
      team_id: this.id.teamId,
      type: String(def['type']),
      blocks: Array.isArray(def['blocks']) ? def['blocks'] : [],
      private_metadata: typeof def['private_metadata'] === 'string' ? def['private_metadata'] : '',
      callback_id: typeof def['callback_id'] === 'string' ? def['callback_id'] : '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${alnum(8)}`,
      title: def['title'] ?? null,
      clear_on_close: def['clear_on_close'] === true,
      notify_on_close: def['notify_on_close'] === true,
      close: def['close'] ?? null,
      submit: def['submit'] ?? null,
      previous_view_id: previous ?? null,
      root_view_id: root ?? id,
      app_id: this.id.appId,
      external_id: external,
      app_installed_team_id: this.id.teamId,
      bot_id: this.id.botId,
    };
    this.views.set(id, v);
    if (external) this.byExternal.set(external, id);
    return v;
  }
}
