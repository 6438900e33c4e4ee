// `socket-mode-anywhere dev`: the banner's "Try it" lines reach the bot (never the page), the page's connection
// URL is opened with the app token labeled 'page', and "Link disabled" then "Re-enable link" brings the bot back
// (the dev setup restarts it: link_disabled is fatal to a Socket Mode client). Real simulator, a real child bot.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runDevCli } from '../src/devpanel/cli.ts';
import { until } from './helpers/client-harness.ts';

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface Conn {
  id: string;
  state: string;
  label?: string;
}

describe('socket-mode-anywhere dev', () => {
  it('Try it reaches the bot, not the page; Re-enable link restarts the bot', async () => {
    const lines: string[] = [];
    const abort = new AbortController();
    const done = runDevCli(['--port', '0', '--panel-port', '0', '--bot', 'test/helpers/dev-bot.mjs'], {
      out: (l) => lines.push(l),
      signal: abort.signal,
      env: {},
    });
    const sockets: WebSocket[] = [];
    try {
      await until(() => lines.some((l) => l.includes('dev-bot connected')), `the bot\n${lines.join('\n')}`, 15_000);
      const text = lines.join('\n');
      const simUrl = /Simulator: {2}(http:\/\/\S+)/.exec(text)![1]!;
      const panelUrl = /Panel: {6}(http:\/\/\S+)/.exec(text)![1]!;
      const tryIt = lines.filter((l) => l.includes('/_sim/inject'));
      expect(tryIt).toHaveLength(2);
      for (const l of tryIt) expect(l).toContain('"to":"bot"');

      // The page's connection, as the panel's page opens it (its /connection-url).
      const url = ((await (await post(`${panelUrl}connection-url`, {})).json()) as { url: string }).url;
      const page = new WebSocket(url);
      sockets.push(page);
      let pageGot = 0;
      await new Promise<void>((resolve) =>
        page.on('message', (d) => {
          const f = JSON.parse(String(d)) as { type: string; envelope_id?: string };
          if (f.type === 'hello') resolve();
          if (f.envelope_id) pageGot++;
        }),
      );
      const conns = async () =>
        ((await (await fetch(`${simUrl}/_sim/state`)).json()) as { connections: Conn[] }).connections;
      expect(
        (await conns())
          .filter((c) => c.state === 'live')
          .map((c) => c.label)
          .sort(),
      ).toEqual(['bot', 'page']);

      // The banner's curl lines, 10 times each: every one to the bot.
      const bodies = tryIt.map((l) => JSON.parse(/-d '(.*)'$/.exec(l)![1]!) as Record<string, unknown>);
      for (let i = 0; i < 10; i++)
        for (const b of bodies) expect((await post(`${simUrl}/_sim/inject`, b)).status).toBe(200);
      await until(() => lines.filter((l) => l.includes('dev-bot got')).length === 20, 'the bot got all 20', 10_000);
      expect(pageGot).toBe(0);

      // Link disabled: the bot exits (fatal); re-enabled: the dev setup starts it again.
      await post(`${simUrl}/_sim/fault`, { fault: 'link_disabled' });
      await until(() => lines.some((l) => l.includes('restarts when the link is re-enabled')), 'bot stopped', 10_000);
      expect(lines.filter((l) => l.includes('dev-bot connected'))).toHaveLength(1);
      await post(`${simUrl}/_sim/fault`, { fault: 'link_enabled' });
      await until(() => lines.filter((l) => l.includes('dev-bot connected')).length === 2, 'bot back', 15_000);
      expect(lines.filter((l) => l.startsWith('[bot] exited'))).toEqual(['[bot] exited (1)']);
      expect((await conns()).filter((c) => c.state === 'live').map((c) => c.label)).toEqual(['bot']);
    } finally {
      for (const s of sockets) s.terminate();
      abort.abort();
      await done;
    }
    expect(lines.filter((l) => l.startsWith('[bot] exited'))).toEqual(['[bot] exited (1)', '[bot] exited (0)']);
  });
});
