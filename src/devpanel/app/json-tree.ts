// Pretty, collapsible JSON: nested <details>/<summary>, so it is keyboard operable with no script.
import { h } from './dom.ts';

const OPEN_DEPTH = 2;

function scalar(v: unknown): HTMLElement {
  if (typeof v === 'string') return h('span', { class: 'j-str' }, JSON.stringify(v));
  if (typeof v === 'number') return h('span', { class: 'j-num' }, String(v));
  if (typeof v === 'boolean') return h('span', { class: 'j-bool' }, String(v));
  return h('span', { class: 'j-null' }, 'null');
}

function node(key: string | null, v: unknown, depth: number, last: boolean): HTMLElement {
  const keyEl = key === null ? null : h('span', { class: 'j-key' }, `${JSON.stringify(key)}: `);
  const comma = last ? '' : ',';
  if (v === null || typeof v !== 'object') return h('div', { class: 'j-line' }, keyEl, scalar(v), comma);
  const isArr = Array.isArray(v);
  const entries: Array<[string, unknown]> = isArr
    ? (v as unknown[]).map((x, i) => [String(i), x])
    : Object.entries(v as object);
  const [open, close] = isArr ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return h('div', { class: 'j-line' }, keyEl, `${open}${close}${comma}`);
  const body = h('div', { class: 'j-body' });
  entries.forEach(([k, x], i) => body.append(node(isArr ? null : k, x, depth + 1, i === entries.length - 1)));
  const count = `${entries.length} ${isArr ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'}`;
  const d = h(
    'details',
    { class: 'j-node', open: depth < OPEN_DEPTH },
    h('summary', {}, keyEl, open, h('span', { class: 'j-count' }, ` ${count} ${close}${comma}`)),
    body,
    h('div', { class: 'j-close' }, `${close}${comma}`),
  );
  return d;
}

export function jsonTree(v: unknown): HTMLElement {
  return h('div', { class: 'json-tree' }, node(null, v, 0, true));
}

/** Expand or collapse every node under `root`. */
export function setAllOpen(root: HTMLElement, open: boolean): void {
  for (const d of root.querySelectorAll('details')) d.open = open;
}
