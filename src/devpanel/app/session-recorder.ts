// "Session test": record what this page has the simulator send (inject, editor, resend, replay), then export it
// as a fixture and a ready-to-run vitest file (session-test.ts) that replays it against the bot and expects the
// same acks and Web API calls. The recording is kept in sessionStorage, so a reload does not lose it.
import { h, isRecord, toast } from './dom.ts';
import type { EnvelopeApi, SentEnvelope } from './envelope-api.ts';
import type { Session } from './session.ts';
import type { SimRecords } from './session-test.ts';

const KEY = 'devpanel.recording';
const COMMAND_KEY = 'devpanel.botCommand';
/** At most this many envelopes in one recording (a test of a scenario, not a load test). */
export const MAX_RECORDED = 200;

interface Recording {
  active: boolean;
  startedAt: number;
  sent: SentEnvelope[];
}

export function mountRecorder(root: HTMLElement, opts: { api: EnvelopeApi; session: Session; simUrl: string }): void {
  let rec: Recording = load();
  const recordBtn = h('button', { type: 'button', id: 'record', 'aria-pressed': 'false' }, 'Record');
  const exportBtn = h('button', { type: 'button', id: 'export-test', class: 'primary' }, 'Export as test');
  const status = h('p', { class: 'small muted', id: 'record-status', role: 'status' });
  const command = h('input', {
    id: 'bot-command',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    class: 'mono',
    value: localStorage.getItem(COMMAND_KEY) ?? 'node examples/node/echo-bot.mjs',
  });
  command.addEventListener('change', () => localStorage.setItem(COMMAND_KEY, command.value));
  root.append(
    h('h3', {}, 'Session test'),
    h(
      'p',
      { class: 'small muted' },
      'Record what you send the bot; export a fixture and a vitest file that replays it and expects the same acks and Web API calls.',
    ),
    h('div', { class: 'field' }, h('label', { for: 'bot-command' }, 'Bot command (run by the test)'), command),
    h('div', { class: 'row' }, recordBtn, exportBtn),
    status,
  );

  const render = (): void => {
    recordBtn.textContent = rec.active ? 'Stop recording' : rec.sent.length ? 'Record again' : 'Record';
    recordBtn.setAttribute('aria-pressed', String(rec.active));
    recordBtn.classList.toggle('recording', rec.active);
    exportBtn.toggleAttribute('disabled', rec.sent.length === 0);
    status.textContent = rec.active
      ? `Recording: ${rec.sent.length} envelope${rec.sent.length === 1 ? '' : 's'} sent${rec.sent.length >= MAX_RECORDED ? ` (the limit, ${MAX_RECORDED})` : ''}.`
      : rec.sent.length
        ? `Recorded ${rec.sent.length} envelope${rec.sent.length === 1 ? '' : 's'}.`
        : 'Not recording.';
  };
  const save = (): void => {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(rec));
    } catch {
      /* storage full or off: the recording still lives in this page */
    }
  };

  recordBtn.addEventListener('click', () => {
    rec = rec.active ? { ...rec, active: false } : { active: true, startedAt: Date.now(), sent: [] };
    save();
    render();
  });
  opts.api.onSent((s) => {
    if (!rec.active || rec.sent.length >= MAX_RECORDED) return;
    rec.sent.push(s);
    save();
    render();
  });

  exportBtn.addEventListener('click', async () => {
    try {
      // The generator is only needed here: its own chunk, loaded on the first export.
      const { buildFixture, testFileFor, testFileNames } = await import('./session-test.ts');
      const res = await fetch(`${opts.simUrl}/_sim/state`, { cache: 'no-store' });
      const state = (await res.json()) as SimRecords;
      const pageConns = new Set<string>();
      for (const s of opts.session.sockets.values()) if (s.simConnectionId) pageConns.add(s.simConnectionId);
      const { fixture, leftOut } = buildFixture({
        sent: rec.sent.map((s) => s.envelope),
        records: state,
        simulatorUrl: opts.simUrl,
        botCommand: command.value.trim() || 'node bot.mjs',
        excludeConnections: pageConns,
        until: Date.now(),
      });
      if (!fixture.steps.length) {
        toast(
          `Nothing to export: none of the ${rec.sent.length} envelopes reached the bot (deliver to the bot).`,
          'error',
        );
        return;
      }
      const base = `session-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
      const names = testFileNames(base);
      download(names.fixture, JSON.stringify(fixture, null, 2), 'application/json');
      download(names.test, testFileFor(names.fixture, fixture), 'text/javascript');
      status.textContent = `Exported ${names.test} and ${names.fixture}: ${fixture.steps.length} step${fixture.steps.length === 1 ? '' : 's'}${leftOut ? `; ${leftOut} envelope${leftOut === 1 ? '' : 's'} left out (delivered to this page, or never delivered)` : ''}.`;
    } catch (x) {
      toast(`Export failed: ${(x as Error).message}`, 'error');
    }
  });
  render();
}

function load(): Recording {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (isRecord(v) && Array.isArray(v['sent']) && typeof v['active'] === 'boolean')
      return {
        active: v['active'],
        startedAt: Number(v['startedAt']) || Date.now(),
        sent: v['sent'] as SentEnvelope[],
      };
  } catch {
    /* none, or not ours */
  }
  return { active: false, startedAt: Date.now(), sent: [] };
}

function download(name: string, text: string, type: string): void {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
