// The panel's config: where the page gets its wss:// URLs, the simulator (if any) and the bot's health report.
import { isRecord } from './dom.ts';

export interface PanelConfig {
  mode: 'simulator' | 'slack';
  connectionUrl: string; // absolute
  simulator: { url: string; feedUrl: string } | null;
  /** Absolute: the bot's health report relayed by the dev panel server, when it runs one. */
  botHealth: string | null;
  /** Envelopes go to this HTTP app (`dev --forward-to`): the page does not connect by itself. */
  forwardTo: string | null;
  /** Absolute: what was forwarded, the app's status and the acks (`dev --forward-to`). */
  forwarded: string | null;
}

/**
 * `./config.json` from the dev panel server that served this page; or, when the page comes from the vite dev
 * server, `?backend=<dev panel server>` (and optionally `?sim=<simulator url>`).
 */
export async function loadConfig(): Promise<PanelConfig> {
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
    forwardTo: typeof c['forwardTo'] === 'string' ? c['forwardTo'] : null,
    forwarded: typeof c['forwarded'] === 'string' ? new URL(c['forwarded'], base).href : null,
    simulator: sim
      ? { url: sim.replace(/\/$/, ''), feedUrl: `${sim.replace(/^http/, 'ws').replace(/\/$/, '')}/_sim/feed` }
      : simCfg,
  };
}
