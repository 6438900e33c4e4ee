// Dev panel entry: loads the panel config, runs the Socket Mode client in this page (through the
// WebSocket tap), and wires the views together.
import type { HealthReport } from '../../index.ts';
import { pageClient } from './page-client.ts';
import { ackMode } from './ack-mode.ts';
import { mountStats } from './chart.ts';
import { loadConfig, type PanelConfig } from './config.ts';
import { mountDetail } from './detail.ts';
import { $, h, toast } from './dom.ts';
import { EnvelopeApi } from './envelope-api.ts';
import { envelopeEditor, type EnvelopeEditor } from './envelope-editor.ts';
import { mountExportReplay } from './export-replay.ts';
import { mountForwarded } from './forwarded-view.ts';
import { mountHealth } from './health.ts';
import { mountNavigation } from './navigation.ts';
import { rowActions } from './row-actions.ts';
import { Session } from './session.ts';
import { mountRecorder } from './session-recorder.ts';
import { persistSession } from './session-store.ts';
import type { DeliverTo } from './sim-connections.ts';
import { mountSimulator, type SimControls } from './simulator-panel.ts';
import { setStatus } from './status.ts';
import { mountStream } from './stream.ts';
import { mountTimeline } from './timeline.ts';

async function main(): Promise<void> {
  const session = new Session();
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
  const ack = ackMode(session);
  const detail = mountDetail($('detail'), session, ack.control);
  const stream = mountStream($('stream-panel'), session, (e) => detail.show(e));
  mountTimeline($('timeline'), session);
  mountStats($('stats'), session);

  let sim: SimControls | undefined;
  let envApi: EnvelopeApi | undefined;
  if (cfg.simulator) {
    const feedTab = $('tab-feed');
    const api = (envApi = new EnvelopeApi(cfg.simulator.url));
    let editor: EnvelopeEditor | undefined;
    const controls = (sim = mountSimulator({
      envelopes: { api, edit: (env, title) => editor?.open(env, title) },
      controlsRoot: $('sim-controls'),
      feedRoot: $('feed-panel'),
      repliesRoot: $('bot-replies-panel'),
      session,
      simUrl: cfg.simulator.url,
      feedUrl: cfg.simulator.feedUrl,
      onFeedCount: (n) => (feedTab.dataset['count'] = String(n)),
    }));
    // The editor, the row actions and the recorder send where the inject form's "Deliver to" says.
    const deliverTo = (): DeliverTo => ($('deliver-to') as HTMLSelectElement).value as DeliverTo;
    const target = (to: DeliverTo): string | undefined | null => {
      const id = controls.targetFor(to);
      return to !== 'any' && !id ? null : id;
    };
    editor = envelopeEditor({ api, target, noTarget: controls.noTarget, defaultTo: deliverTo });
    ack.control.actions = rowActions({ api, editor, deliverTo, target, noTarget: controls.noTarget });
    const recorder = h('section', { class: 'recorder', id: 'recorder', 'aria-label': 'Session test' });
    $('sim-controls').append(recorder);
    mountRecorder(recorder, { api, session, simUrl: cfg.simulator.url });
  }
  ack.follow(stream);

  // ---------------------------------------------------------------- client
  const client = pageClient(session, cfg.connectionUrl, ack.onEvent);

  mountExportReplay(session, cfg, sim, envApi);
  // The session kept from before a reload (sessionStorage, bounded: session-store.ts).
  const restored = persistSession(session);
  if (restored) toast(`Restored ${restored} envelope${restored === 1 ? '' : 's'} from before the reload`);
  // dev --forward-to: the requests made to the HTTP app, their status and acks (a tab of its own, selected).
  if (cfg.forwarded && cfg.forwardTo) {
    mountForwarded({ url: cfg.forwarded, forwardTo: cfg.forwardTo });
    setStatus('idle', 'forwarding');
  }
  mountNavigation();

  // ---------------------------------------------------------------- health
  const botHealthUrl = cfg.botHealth;
  mountHealth($('health'), [
    {
      key: 'page',
      title: 'This page',
      read: async () => client.current()?.health() ?? null,
      // The simulator's view, the badge's signal: a half-open socket the client (no ping) still calls ok.
      disagreement: () => client.trouble(),
    },
    ...(botHealthUrl
      ? [
          {
            key: 'bot',
            title: 'Bot',
            read: async () => {
              const res = await fetch(botHealthUrl, { cache: 'no-store' });
              // The relay answers the page 200 with the probe's status aside (server.ts). 503 is an answer too
              // (not ready): its body is the report. 502: the bot is not running (yet: dev restarts it).
              const status = Number(res.headers.get('x-probe-status') ?? res.status);
              if (status === 200 || status === 503) return (await res.json()) as HealthReport;
              return status === 502 ? 'bot not reachable (not running, or restarting)' : `bot health: HTTP ${status}`;
            },
          },
        ]
      : []),
  ]);

  (window as unknown as { __devpanel: unknown }).__devpanel = {
    session,
    config: cfg,
    get client() {
      return client.current();
    },
  };
  document.body.dataset['ready'] = 'true';
  // Forwarding (dev --forward-to): the HTTP app is the app; a page client would take envelopes from it.
  if (cfg.forwardTo === null && new URLSearchParams(location.search).get('autoconnect') !== '0') await client.connect();
}

void main();
