// The status badge in the header (and the body's data-status): the page client's state in a word or two.
import { $ } from './dom.ts';

// 'warning': connected as far as the client knows, but the simulator no longer hears the socket (conn-watch.ts).
export type Status = 'idle' | 'connecting' | 'connected' | 'warning' | 'reconnecting' | 'disconnected' | 'error';

export function setStatus(s: Status, text: string): void {
  const statusEl = $('status');
  statusEl.dataset['state'] = s;
  statusEl.textContent = text;
  document.body.dataset['status'] = s;
}

export const statusIs = (s: Status): boolean => $('status').dataset['state'] === s;
