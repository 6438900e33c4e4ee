// Moving around the page by keyboard: the tabs (arrow keys between them) and "/" to the stream filter.
import { $ } from './dom.ts';

export function mountNavigation(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const activate = (tab: HTMLButtonElement, focus = false): void => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')!).hidden = !on;
    }
    if (focus) tab.focus();
  };
  for (const t of tabs) {
    t.addEventListener('click', () => activate(t));
    t.addEventListener('keydown', (ev: KeyboardEvent) => {
      const i = tabs.indexOf(t);
      if (ev.key === 'ArrowRight') activate(tabs[(i + 1) % tabs.length]!, true);
      else if (ev.key === 'ArrowLeft') activate(tabs[(i - 1 + tabs.length) % tabs.length]!, true);
    });
  }

  // "/" jumps to the stream filter (not while typing; from a focused select or checkbox it does).
  document.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement;
    const typing = t.closest(
      'input:not([type="checkbox"]):not([type="radio"]):not([type="button"]):not([type="submit"]), textarea, [contenteditable]',
    );
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing) return;
    if (ev.key === '/') {
      ev.preventDefault();
      $('filter-text').focus();
    }
  });
}
