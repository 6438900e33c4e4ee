// views.open / push / update / publish: checked as Slack checks them (trigger_id, view shape, view_id or
// external_id, hash), answered with the stored view.
import type { ViewStore, SimView } from './view-store.ts';
import { fail, invalidArgs, isAnswer, isObject, json, str, type Answer, type Args } from './web-args.ts';
import type { Workspace } from './workspace.ts';

export type Method = (args: Args) => Answer;

const MAX_VIEW_BYTES = 250 * 1024;

/** The `view` argument as an object of the wanted type(s), or Slack's error. */
function viewArg(args: Args, types: string[]): Record<string, unknown> | Answer {
  if (args['view'] === undefined || args['view'] === '') return invalidArgs('missing required field: view');
  const v = json(args, 'view');
  if (!isObject(v)) return invalidArgs('failed to parse view: expected a JSON object');
  if (JSON.stringify(v).length > MAX_VIEW_BYTES) return fail('view_too_large');
  if (typeof v['type'] !== 'string' || !types.includes(v['type']))
    return invalidArgs(`view type must be ${types.join(' or ')}`);
  if (v['type'] === 'modal' && !isObject(v['title'])) return invalidArgs('missing required field: title');
  if (v['blocks'] !== undefined && !Array.isArray(v['blocks'])) return invalidArgs('blocks must be an array');
  return v;
}

const answer = (view: SimView): Answer => ({ ok: true, view });

export function viewMethods(views: ViewStore, ws: Workspace): Record<string, Method> {
  /** The trigger's user for views.open/push, or Slack's error. */
  const trigger = (args: Args): { user: string } | Answer => {
    const id = str(args, 'trigger_id') ?? str(args, 'interactivity_pointer');
    if (!id) return invalidArgs('missing required field: trigger_id');
    const t = views.exchange(id);
    return 'error' in t ? fail(t.error) : t;
  };

  return {
    'views.open': (args) => {
      const def = viewArg(args, ['modal']);
      if (isAnswer(def)) return def;
      if (views.externalTaken(def['external_id'])) return fail('duplicate_external_id');
      const t = trigger(args);
      if (isAnswer(t)) return t;
      return answer(views.open(t.user, def));
    },
    'views.push': (args) => {
      const def = viewArg(args, ['modal']);
      if (isAnswer(def)) return def;
      if (views.externalTaken(def['external_id'])) return fail('duplicate_external_id');
      const t = trigger(args);
      if (isAnswer(t)) return t;
      const pushed = views.push(t.user, def);
      return 'error' in pushed ? fail(pushed.error) : answer(pushed.view);
    },
    'views.update': (args) => {
      const viewId = str(args, 'view_id');
      const externalId = str(args, 'external_id');
      if (!viewId && !externalId) return invalidArgs('either view_id or external_id is required');
      const def = viewArg(args, ['modal', 'home']);
      if (isAnswer(def)) return def;
      const v = viewId ? views.get(viewId) : views.byExternalId(externalId!);
      if (!v) return fail('not_found');
      const hash = str(args, 'hash');
      if (hash && hash !== v.hash) return fail('hash_conflict');
      if (views.externalTaken(def['external_id'], v.id)) return fail('duplicate_external_id');
      return answer(views.update(v, def));
    },
    'views.publish': (args) => {
      const user = str(args, 'user_id');
      if (!user) return invalidArgs('missing required field: user_id');
      const def = viewArg(args, ['home']);
      if (isAnswer(def)) return def;
      if (!ws.users.has(user)) return invalidArgs(`user_id ${user} is not a user of this workspace`);
      const hash = str(args, 'hash');
      const current = views.home(user);
      if (hash && current && hash !== current.hash) return fail('hash_conflict');
      if (views.externalTaken(def['external_id'], current?.id)) return fail('duplicate_external_id');
      return answer(views.publish(user, def));
    },
  };
}
