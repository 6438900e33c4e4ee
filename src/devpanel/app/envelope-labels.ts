// What the stream shows for an envelope at a glance: its event type and a one-line summary of its payload.
import { isRecord } from './dom.ts';

export function eventTypeOf(type: string, payload: unknown): string {
  if (!isRecord(payload)) return type;
  if (type === 'events_api') {
    const ev = payload['event'];
    return isRecord(ev) && typeof ev['type'] === 'string' ? ev['type'] : String(payload['type'] ?? 'event');
  }
  if (type === 'slash_commands') return typeof payload['command'] === 'string' ? payload['command'] : 'slash command';
  if (type === 'interactive') return typeof payload['type'] === 'string' ? payload['type'] : 'interactive';
  return type;
}

export function summaryOf(type: string, payload: unknown): string {
  if (!isRecord(payload)) return '';
  const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
  if (type === 'events_api') {
    const ev = payload['event'];
    if (!isRecord(ev)) return '';
    if (typeof ev['text'] === 'string') return cut(ev['text']);
    if (typeof ev['reaction'] === 'string') return `:${ev['reaction']}:`;
    return '';
  }
  if (type === 'slash_commands') return cut(typeof payload['text'] === 'string' ? payload['text'] : '');
  if (type === 'interactive') {
    const actions = payload['actions'];
    if (Array.isArray(actions) && isRecord(actions[0]))
      return cut(`${String(actions[0]['action_id'] ?? '')} = ${String(actions[0]['value'] ?? '')}`);
    const view = payload['view'];
    if (isRecord(view)) return cut(`view ${String(view['callback_id'] ?? view['id'] ?? '')}`);
    if (typeof payload['callback_id'] === 'string') return payload['callback_id'];
    if (typeof payload['action_id'] === 'string') return `${payload['action_id']} "${String(payload['value'] ?? '')}"`;
  }
  return '';
}
