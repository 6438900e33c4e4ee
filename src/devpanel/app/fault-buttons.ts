// The fault buttons: what the simulator can do to a connection (refresh, drop, half-open, silent death, close,
// malformed frame) or to the app (link disabled, re-enabled), on this page's connection or on every one.
import { h, toast } from './dom.ts';
import type { FaultName, SimApi } from './sim.ts';

export function faultButtons(api: SimApi, pageLiveConn: () => string | undefined): HTMLElement[] {
  const faultTarget = h(
    'select',
    { id: 'fault-target', 'aria-label': 'Fault target' },
    h('option', { value: 'page' }, "This page's connection"),
    h('option', { value: 'all' }, 'Every connection'),
  );
  const fault = async (name: FaultName, extraOpts: { warning?: boolean; frame?: string } = {}): Promise<void> => {
    const per = name !== 'link_disabled' && name !== 'link_enabled';
    let connectionId: string | undefined;
    if (per && faultTarget.value === 'page') {
      connectionId = pageLiveConn();
      if (!connectionId) {
        toast('This page has no live simulator connection.', 'error');
        return;
      }
    }
    try {
      await api.fault(name, { ...(connectionId ? { connectionId } : {}), ...extraOpts });
      toast(`Fault: ${name}${connectionId ? ` on ${connectionId}` : ''}`);
    } catch (x) {
      toast(`Fault failed: ${(x as Error).message}`, 'error');
    }
  };
  const fb = (id: string, label: string, title: string, fn: () => void, cls = '') =>
    h('button', { type: 'button', id, class: cls, title, onclick: fn }, label);

  return [
    h('h3', {}, 'Faults'),
    h('div', { class: 'field' }, h('label', { for: 'fault-target' }, 'Target'), faultTarget),
    h(
      'div',
      { class: 'fault-grid' },
      fb(
        'fault-refresh',
        'Refresh',
        'As Slack: a warning disconnect about 10 s ahead, then refresh_requested, then close',
        () => void fault('refresh', { warning: true }),
      ),
      fb(
        'fault-refresh-now',
        'Refresh now',
        'refresh_requested without a warning',
        () => void fault('refresh', { warning: false }),
      ),
      fb('fault-drop', 'Drop', 'abrupt TCP close, no close frame', () => void fault('drop')),
      fb('fault-half-open', 'Half-open', 'socket stays open but goes silent', () => void fault('half_open')),
      fb(
        'fault-silent-death',
        'Silent death',
        'the path dies; Slack keeps routing into it until its ping gives up',
        () => void fault('silent_death'),
      ),
      fb('fault-close', 'Close (1011)', 'a close frame with no disconnect frame first', () => void fault('close')),
      fb('fault-malformed', 'Malformed frame', 'send a frame that is not valid JSON', () => void fault('malformed')),
      fb(
        'fault-link-disabled',
        'Link disabled',
        'link_disabled on every connection; new ones refused',
        () => void fault('link_disabled'),
        'danger',
      ),
      fb('fault-link-enabled', 'Re-enable link', 'accept connections again', () => void fault('link_enabled')),
    ),
    h(
      'p',
      { class: 'small muted', id: 'refresh-hint' },
      'Refresh: Slack sends a "warning" disconnect about 10 s before refresh_requested (a client should open its next socket then); "Refresh now" skips the warning.',
    ),
  ];
}
