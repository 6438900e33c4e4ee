// Dev panel entry: loads the panel config, runs the Socket Mode client in this page (through the
// WebSocket tap), and wires the views together.
import { SocketModeClient, type AckFn, type HealthReport, type SlackEventArgs } from '../../index.ts';
import { connectionUrlFrom } from '../../backend/connection-url.ts';
import { mountStats } from './chart.ts';
import { mountSimulator, type SimControls } from './simulator-panel.ts';
import { mountDetail } from './detail.ts';
import { mountHealth } from './health.ts';
import { $, h, isRecord, toast } from './dom.ts';
import { envelopesFromExport, exportSession } from './export-replay.ts';
import type { EnvelopeEntry } from './model.ts';
import { readTap } from './read-tap.ts';
import { Session } from './session.ts';
import { mountStream } from './stream.ts';
import { tappedWebSocket } from './tap.ts';
import { mountTimeline } from './timeline.ts';

interface PanelConfig {
  mode: 'simulator' | 'slack';
  connectionUrl: string; // absolute
  simulator: { url: string; feedUrl: string } | null;
  /** Absolute: the bot's health report relayed by the dev panel server, when it runs one. */
  botHealth: string | null;
}

/**
 * `./config.json` from the dev panel server that served this page; or, when the page comes from the vite dev
 * server, `?backend=<dev panel server>` (and optionally `?sim=<simulator url>`).
 */
async function loadConfig(): Promise<PanelConfig> {
  const q = new URLSearchParams(location.search);
  const backend = q.get('backend');
  const base = backend ? new URL(backend.endsWith('/') ? backend : `${backend}/`) : new URL('./', location.href);
  const res = await fetch(new URL('config.json', base));
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const c = (await res.json()) as Record<string, unknown>;
  const sim = q.get('sim');
  const simCfg = isRecord(c['simulator']) ? (c['simulator'] as { url: string; feedUrl: string }) : null;
  return {
    mode: c['mode'] === 'slack' ? 'slack' : 'simulator',
    connectionUrl: new URL(typeof c['connectionUrl'] === 'string' ? c['connectionUrl'] : 'connection-url', base).href,
    botHealth: typeof c['botHealth'] === 'string' ? new URL(c['botHealth'], base).href : null,
    simulator: sim
      ? { url: sim.replace(/\/$/, ''), feedUrl: `${sim.replace(/^http/, 'ws').replace(/\/$/, '')}/_sim/feed` }
      : simCfg,
  };
}

type Status = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error';

async function main(): Promise<void> {
  const session = new Session();
  const statusEl = $('status');
  const setStatus = (s: Status, text: string): void => {
    statusEl.dataset['state'] = s;
    statusEl.textContent = text;
    document.body.dataset['status'] = s;
  };

  let cfg: PanelConfig;
  try {
    cfg = await loadConfig();
  } catch (e) {
    setStatus('error', 'no config');
    $('stream-panel').append(
      h(
        'div',
        { class: 'error' },
        `Could not load the panel config: ${(e as Error).message}. Open the panel from \`npm start\`.`,
      ),
    );
    return;
  }
  document.body.dataset['mode'] = cfg.mode;
  $('target').textContent = cfg.mode === 'slack' ? 'real Slack' : 'simulator';
  $('target').title =
    cfg.mode === 'slack'
      ? 'Connected through the dev panel server, which holds SLACK_APP_TOKEN'
      : (cfg.simulator?.url ?? '');

  // ---------------------------------------------------------------- views
  const acks = new Map<string, AckFn>();
  const autoAck = $('auto-ack') as HTMLInputElement;
  const detail = mountDetail($('detail'), session, {
    canAck: (e) => acks.has(e.envelope_id) && !e.ack.frame,
    ack: async (e, payload) => {
      const fn = acks.get(e.envelope_id);
      if (!fn) throw new Error('already acked');
      acks.delete(e.envelope_id);
      session.markAckBy(e, 'manual');
      try {
        await fn(payload);
      } catch (x) {
        // Refused before anything was written (over 20 KB, not serializable): the client takes another ack for
        // this envelope, so the page must keep offering one (without a payload, or a smaller one).
        const code = (x as { code?: string }).code;
        if (code === 'ack_too_large' || code === 'ack_failed') acks.set(e.envelope_id, fn);
        session.markAckFailed(e, (x as Error).message);
        throw x;
      }
    },
  });
  const stream = mountStream($('stream-panel'), session, (e) => detail.show(e));
  mountTimeline($('timeline'), session);
  mountStats($('stats'), session);

  let sim: SimControls | undefined;
  if (cfg.simulator) {
    const feedTab = $('tab-feed');
    sim = mountSimulator({
      controlsRoot: $('sim-controls'),
      feedRoot: $('feed-panel'),
      repliesRoot: $('bot-replies-panel'),
      session,
      simUrl: cfg.simulator.url,
      feedUrl: cfg.simulator.feedUrl,
      onFeedCount: (n) => (feedTab.dataset['count'] = String(n)),
    });
  }

  // Manual mode: bring the newest pending envelope forward unless the user is busy with another one.
  session.on('envelope', (e: EnvelopeEntry) => {
    if (autoAck.checked) return;
    const cur = stream.selected();
    const busy = cur && cur.ack.state === 'pending' && acks.has(cur.envelope_id);
    if (!busy && !document.activeElement?.closest('#detail')) stream.select(e);
  });

  // ---------------------------------------------------------------- client
  let client: SocketModeClient | undefined;
  const connectBtn = $('connect') as HTMLButtonElement;
  const poolInput = $('pool') as HTMLInputElement;
  const TapWS = tappedWebSocket((ev) => readTap(session, ev));

  const liveText = (): string => {
    const n = session.liveSockets().length;
    return n === 1 ? 'connected' : `connected · ${n} sockets`;
  };
  session.on('sockets', () => {
    if (statusEl.dataset['state'] === 'connected') setStatus('connected', liveText());
  });

  const onEvent = (args: SlackEventArgs): void => {
    const entry = session.byId.get(args.envelope_id);
    if (autoAck.checked) {
      if (entry) session.markAckBy(entry, 'auto');
      session.markDelivered(args.envelope_id);
      args.ack().catch((x: unknown) => entry && session.markAckFailed(entry, (x as Error).message));
    } else {
      acks.set(args.envelope_id, args.ack);
      session.markDelivered(args.envelope_id);
    }
  };

  const connect = async (): Promise<void> => {
    if (client) return;
    const pool = Math.max(1, Math.min(10, Number(poolInput.value) || 1));
    const c = (client = new SocketModeClient({
      openConnection: connectionUrlFrom(cfg.connectionUrl),
      WebSocket: TapWS,
      connections: pool,
      // A console shows every redelivery: the page's client does not suppress duplicates.
      dedupe: false,
      logLevel: 'warn',
    }));
    c.on('slack_event', onEvent);
    c.on('connecting', () => {
      if (statusEl.dataset['state'] !== 'connected') setStatus('connecting', 'connecting…');
    });
    c.on('connected', (e) => {
      setStatus('connected', liveText());
      session.addTimeline({
        at: Date.now(),
        kind: 'connected',
        label: e.replaced ? 'replaced' : 'connected',
        detail: `${e.connection_id} · num_connections ${e.num_connections ?? '?'}${e.replaced ? ` · replaced ${e.replaced}` : ''}`,
      });
    });
    c.on('reconnecting', (e) => {
      if (!e.makeBeforeBreak) setStatus('reconnecting', `reconnecting (${e.reason})`);
      session.addTimeline({
        at: Date.now(),
        kind: 'reconnecting',
        label: `reconnect: ${e.reason}`,
        detail: e.makeBeforeBreak
          ? `slot ${e.slot}, make-before-break`
          : `slot ${e.slot}, attempt ${e.attempt}, in ${e.delayMs} ms`,
      });
    });
    c.on('disconnected', (e) => {
      session.addTimeline({
        at: Date.now(),
        kind: 'disconnected',
        label: `disconnected: ${e.reason}`,
        detail: e.error ? `${e.error.code}: ${e.error.message}` : e.willReconnect ? 'will reconnect' : 'stopped',
      });
      if (e.willReconnect) setStatus('reconnecting', `reconnecting (${e.reason})`);
      else {
        setStatus(e.error ? 'error' : 'disconnected', e.error ? `stopped: ${e.error.code}` : 'disconnected');
        if (client === c) {
          client = undefined;
          connectBtn.textContent = 'Connect';
        }
      }
    });
    c.on('error', (err) => {
      session.addTimeline({ at: Date.now(), kind: 'error', label: err.code, detail: err.message });
    });
    connectBtn.textContent = 'Disconnect';
    setStatus('connecting', 'connecting…');
    try {
      await c.start();
    } catch (x) {
      const code = (x as { code?: string }).code ?? 'error';
      setStatus('error', `failed: ${code}`);
      session.addTimeline({ at: Date.now(), kind: 'error', label: code, detail: (x as Error).message });
      toast(`Connect failed: ${(x as Error).message}`, 'error');
      if (client === c) {
        client = undefined;
        connectBtn.textContent = 'Connect';
        void c.disconnect().catch(() => undefined);
      }
    }
  };
  const disconnect = async (): Promise<void> => {
    const c = client;
    if (!c) return;
    client = undefined;
    connectBtn.textContent = 'Connect';
    await c.disconnect().catch(() => undefined);
    setStatus('disconnected', 'disconnected');
  };
  connectBtn.addEventListener('click', () => void (client ? disconnect() : connect()));

  autoAck.addEventListener('change', () => {
    document.body.dataset['ack'] = autoAck.checked ? 'auto' : 'manual';
    if (autoAck.checked) {
      // Switching back to auto-ack settles whatever is still waiting for a manual ack.
      // That includes envelopes no longer in the stream (Clear): their acks are still owed.
      for (const [id, fn] of [...acks]) {
        const entry = session.byId.get(id);
        acks.delete(id);
        if (entry?.ack.frame) continue;
        if (entry) session.markAckBy(entry, 'auto');
        fn().catch((x: unknown) => entry && session.markAckFailed(entry, (x as Error).message));
      }
    }
    $('ack-mode-hint').textContent = autoAck.checked
      ? 'every envelope is acked on arrival'
      : 'ack each envelope yourself within 3 s';
  });
  autoAck.dispatchEvent(new Event('change'));

  // ---------------------------------------------------------------- export / replay
  $('export').addEventListener('click', () => {
    const doc = exportSession(session, { target: cfg.mode, simulator: cfg.simulator?.url ?? null });
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
    const a = h('a', {
      href: URL.createObjectURL(blob),
      download: `socket-mode-session-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    toast(`Exported ${doc.envelopes.length} envelopes`);
  });

  const fileInput = $('import-file') as HTMLInputElement;
  const replayBtn = $('replay') as HTMLButtonElement;
  replayBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file || !sim) return;
    try {
      const envelopes = envelopesFromExport(JSON.parse(await file.text()));
      const to = ($('deliver-to') as HTMLSelectElement).value as 'page' | 'bot' | 'any';
      const connectionId = sim.targetFor(to);
      // As for inject: "this page" (or "the bot") with none live must not quietly go to any connection.
      if (to !== 'any' && !connectionId) throw new Error(sim.noTarget(to));
      const sent = await sim.api.replay(envelopes, connectionId);
      session.markReplayed(sent.flatMap((e) => (typeof e['envelope_id'] === 'string' ? [e['envelope_id']] : [])));
      toast(`Replayed ${sent.length} envelopes${connectionId ? ` to ${connectionId}` : ''}`);
    } catch (x) {
      toast(`Replay failed: ${(x as Error).message}`, 'error');
    }
  });

  // ---------------------------------------------------------------- tabs
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

  // "/" jumps to the stream filter (not while typing).
  document.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || t.closest('input, textarea, select, [contenteditable]')) return;
    if (ev.key === '/') {
      ev.preventDefault();
      $('filter-text').focus();
    }
  });

  // ---------------------------------------------------------------- health
  const botHealthUrl = cfg.botHealth;
  mountHealth($('health'), [
    { key: 'page', title: 'This page', read: async () => client?.health() ?? null },
    ...(botHealthUrl
      ? [
          {
            key: 'bot',
            title: 'Bot',
            read: async () => {
              const res = await fetch(botHealthUrl, { cache: 'no-store' });
              // 503 is an answer too (not ready): its body is the report.
              return res.status === 200 || res.status === 503
                ? ((await res.json()) as HealthReport)
                : `bot health: HTTP ${res.status}`;
            },
          },
        ]
      : []),
  ]);

  (window as unknown as { __devpanel: unknown }).__devpanel = {
    session,
    config: cfg,
    get client() {
      return client;
    },
  };
  document.body.dataset['ready'] = 'true';
  if (new URLSearchParams(location.search).get('autoconnect') !== '0') await connect();
}

void main();
