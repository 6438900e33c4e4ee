// The Node side of the browser dev panel: serves the built page (vite output in dist/devpanel), hands the
// page a one-time wss:// URL (`POST /connection-url`) so no app token ever reaches the browser, and tells
// the page where the simulator's control API is (`GET /config.json`).
//
//   const panel = await startDevPanel({ simulator: sim });                    // embedded simulator
//   const panel = await startDevPanel({ appToken: process.env.SLACK_APP_TOKEN }); // real Slack
//   console.log(panel.url); … await panel.close();
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { createConnectionUrlHandler } from '../backend/connection-url.ts';
import { toNodeListener } from '../platform/node-http.ts';
import { isLoopbackHost } from '../core/url.ts';
import { forwardedAnswer, type ForwardedLog } from './forwarded-log.ts';
import { defaultStaticDir, MIME } from './static-dir.ts';
import { sendAsset } from './compressed-asset.ts';

/** What the panel needs from a simulator: a started `Simulator` fits, so does a remote one's addresses. */
export interface DevPanelSimulator {
  readonly url: string; // 'http://127.0.0.1:3300'
  readonly apiUrl: string; // 'http://127.0.0.1:3300/api/'
  readonly appToken: string;
  /**
   * A started `Simulator` has it: the page then connects with the app token labeled 'page', so the simulator and
   * the panel know which connections are the page's (the ghost warning is not raised for what the dev setup opened,
   * and `"to":"bot"` never reaches the page).
   */
  appTokenFor?(label: string): string;
}

export interface DevPanelOptions {
  /** Default 0 (ephemeral); the CLI uses a fixed port. */
  port?: number;
  /** Default '127.0.0.1'. The connection-url endpoint hands out live Slack connections: keep it on loopback. */
  host?: string;
  /** The simulator the page drives (control API, feed) and connects to, unless `appToken` is given. */
  simulator?: DevPanelSimulator;
  /** A real app-level token (xapp-…, e.g. SLACK_APP_TOKEN): the page connects to Slack; simulator controls are hidden. */
  appToken?: string;
  /** Web API base for `appToken`. Default 'https://slack.com/api/'. */
  apiUrl?: string;
  /** Built panel (index.html + assets/). Default: `<package root>/dist/devpanel`. */
  staticDir?: string;
  /**
   * Extra page origins allowed to call /connection-url against real Slack (e.g. a vite dev server,
   * 'http://127.0.0.1:5199'). The panel's own origin is always allowed; against the simulator any origin is.
   */
  allowOrigins?: string[];
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /**
   * Where the bot's health route answers (its createHealthHandler(), e.g. 'http://127.0.0.1:3302/healthz'): the
   * panel relays it at `/bot-health` and shows it. Loopback only; the CLI passes the example bot's.
   */
  botHealthUrl?: string;
  /**
   * The HTTP app the simulator's envelopes are forwarded to (`dev --forward-to`): the page does not connect by
   * itself then (a second client would take envelopes from the app), and shows where they go.
   */
  forwardTo?: string;
  /** What was forwarded (createForwardedLog(), fed by the forwarder's onDelivery): the page lists it from `/forwarded`. */
  forwarded?: ForwardedLog;
}

export interface DevPanelConfig {
  mode: 'simulator' | 'slack';
  /** Relative to the panel's origin. */
  connectionUrl: string;
  /** Present in simulator mode: base URL of the simulator's HTTP API (`/_sim/*`, CORS open) and its feed. */
  simulator: { url: string; feedUrl: string } | null;
  /** Relative to the panel's origin: the bot's health report (createHealthHandler), when there is a bot. */
  botHealth?: string;
  /** Where envelopes are forwarded (`dev --forward-to`), when they are. */
  forwardTo?: string;
  /** Relative to the panel's origin: the forwarded requests, their status and ack (`GET forwarded?since=N`). */
  forwarded?: string;
}

export interface DevPanel {
  readonly url: string; // 'http://127.0.0.1:PORT/'
  readonly port: number;
  readonly mode: 'simulator' | 'slack';
  readonly staticDir: string;
  /** false when the built page is missing (the server answers `/` with how to build it). */
  readonly built: boolean;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startDevPanel(options: DevPanelOptions = {}): Promise<DevPanel> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const staticDir = resolve(options.staticDir ?? defaultStaticDir());
  const mode: 'simulator' | 'slack' = options.appToken ? 'slack' : 'simulator';
  if (mode === 'simulator' && !options.simulator) {
    throw new TypeError('startDevPanel: pass `simulator` (a started simulator) or `appToken` (real Slack)');
  }
  const sim = mode === 'simulator' ? options.simulator! : undefined;
  if (options.botHealthUrl !== undefined && !isLoopbackHost(new URL(options.botHealthUrl).hostname)) {
    throw new TypeError('startDevPanel: botHealthUrl must be a loopback URL (the bot runs on this machine)');
  }
  const appToken = options.appToken ?? (sim!.appTokenFor ? sim!.appTokenFor('page') : sim!.appToken);
  const apiUrl = options.apiUrl ?? (mode === 'slack' ? 'https://slack.com/api/' : sim!.apiUrl);

  let ownOrigins: string[] = [];
  const originAllowed = (origin: string): boolean =>
    mode === 'simulator' || ownOrigins.includes(origin) || (options.allowOrigins ?? []).includes(origin);

  const hostAllowed = (hostHeader: string | null): boolean => {
    if (mode === 'simulator') return true;
    if (!hostHeader || /[@/\\?#]/.test(hostHeader)) return false;
    let name: string;
    try {
      name = new URL(`http://${hostHeader}`).hostname;
    } catch {
      return false;
    }
    const bound = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return isLoopbackHost(name) || name === bound.toLowerCase();
  };

  const connectionUrl = toNodeListener(
    createConnectionUrlHandler({
      appToken,
      apiUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      allowOrigin: originAllowed,
      // A page on another origin must not be able to obtain a live Slack connection from this machine: with
      // real Slack, only the panel's own origin (and the listed ones) may ask. No Origin = not a browser.
      // DNS rebinding: a page whose own name now points at 127.0.0.1 is same-origin with the panel, and a
      // same-origin GET carries no Origin. Its Host header still names the attacker's host: only the names this
      // server answers to (loopback, or the --host it was given) may ask.
      authorize: (request) => {
        if (!hostAllowed(request.headers.get('host'))) return false;
        const origin = request.headers.get('origin');
        return origin === null || originAllowed(origin);
      },
    }),
  );

  const config = (): DevPanelConfig => ({
    mode,
    connectionUrl: 'connection-url',
    simulator: sim ? { url: sim.url, feedUrl: `${sim.url.replace(/^http/, 'ws')}/_sim/feed` } : null,
    // Only when there is a bot health route (the key is absent otherwise).
    ...(options.botHealthUrl ? { botHealth: 'bot-health?as=page' } : {}),
    ...(options.forwardTo ? { forwardTo: options.forwardTo } : {}),
    ...(options.forwarded ? { forwarded: 'forwarded' } : {}),
  });

  // The bot's own createHealthHandler() answers; this only relays it (status and report), so the page (and curl)
  // see exactly what a probe of the bot sees. Only GET: the URL is the operator's, never the request's.
  // `?as=page` (the panel's own poll): always 200, the probe's status in x-probe-status. A browser logs every
  // non-2xx answer as a console error, and a bot that is not ready (or restarting) is news, not an error.
  const botHealth = async (req: IncomingMessage, res: ServerResponse, asPage: boolean): Promise<void> => {
    if (req.method !== 'GET') return sendText(res, 405, 'text/plain', 'method not allowed', { allow: 'GET' });
    if (!options.botHealthUrl) return sendText(res, 404, 'application/json', '{"error":"no_bot"}');
    const cors: Record<string, string> =
      mode === 'simulator'
        ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-probe-status' }
        : {};
    const send = (status: number, body: string) =>
      sendText(res, asPage ? 200 : status, 'application/json', body, {
        ...cors,
        ...(asPage ? { 'x-probe-status': String(status) } : {}),
      });
    try {
      const r = await fetch(options.botHealthUrl, { signal: AbortSignal.timeout(2000) });
      send(r.status, await r.text());
    } catch {
      send(502, '{"error":"bot_unreachable"}');
    }
  };

  const built = (): boolean => existsSync(join(staticDir, 'index.html'));

  const sendText = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    extra: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      'content-type': type,
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
      ...extra,
    });
    res.end(body);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'text/plain', 'method not allowed');
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'text/plain', 'bad path');
    }
    if (rel === '/' || rel === '/index.html') {
      if (!built()) {
        return sendText(
          res,
          503,
          'text/html; charset=utf-8',
          `<!doctype html><meta charset="utf-8"><title>dev panel not built</title><p>The dev panel page is not built. ` +
            `Run <code>npx vite build</code> (it writes <code>${staticDir}</code>) and reload.</p>`,
        );
      }
      rel = '/index.html';
    }
    const file = resolve(staticDir, `.${rel}`);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return sendText(res, 404, 'text/plain', 'not found');
    const ext = extname(file);
    // Only the page's own asset types: never the Node side (server.js, .d.ts) that tsc writes next to it.
    const servable = rel === '/index.html' || (rel.startsWith('/assets/') && MIME[ext] !== undefined);
    let size = -1;
    try {
      const st = statSync(file);
      if (st.isFile()) size = st.size;
    } catch {
      /* missing */
    }
    if (!servable || size < 0) return sendText(res, 404, 'text/plain', 'not found');
    // Compressed (br/gzip) when the request accepts it: compressed-asset.ts.
    sendAsset(req, res, file, size, {
      'content-type': MIME[ext] ?? 'application/octet-stream',
      // vite names assets by content hash: cache them for good; the html always revalidates.
      'cache-control': rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
  };

  const server: Server = createServer((req, res) => {
    // A request-target URL cannot parse (`GET http://[ HTTP/1.1`) must be a 400, not an exception that ends the process.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://panel.invalid');
    } catch {
      return sendText(res, 400, 'text/plain', 'bad request');
    }
    if (url.pathname === '/connection-url') {
      void connectionUrl(req, res);
      return;
    }
    if (url.pathname === '/config.json') {
      if (req.method !== 'GET') return sendText(res, 405, 'text/plain', 'method not allowed');
      // Simulator mode: open CORS so a vite dev server page (?backend=…) can read it too.
      const cors: Record<string, string> = mode === 'simulator' ? { 'access-control-allow-origin': '*' } : {};
      return sendText(res, 200, 'application/json; charset=utf-8', JSON.stringify(config()), cors);
    }
    if (url.pathname === '/bot-health') return void botHealth(req, res, url.searchParams.get('as') === 'page');
    if (url.pathname === '/forwarded') {
      // Ack payloads are the app's answers: with real Slack, only to the names this server answers to (DNS rebinding).
      if (!hostAllowed(req.headers.host ?? null)) return sendText(res, 403, 'application/json', '{"error":"host"}');
      const { status, body } = forwardedAnswer(options.forwarded, req.method, url.searchParams);
      const cors: Record<string, string> = mode === 'simulator' ? { 'access-control-allow-origin': '*' } : {};
      return sendText(res, status, 'application/json', body, cors);
    }
    if (url.pathname === '/healthz') return sendText(res, 200, 'application/json', '{"ok":true}');
    serveStatic(req, res, url.pathname);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost =
    host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/`;
  ownOrigins = [`http://${urlHost}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  if (!built()) log(`devpanel: ${staticDir} has no index.html; run \`npx vite build\``);
  log(`devpanel: ${url} (${mode === 'slack' ? `real Slack via ${apiUrl}` : `simulator ${sim!.url}`})`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    mode,
    staticDir,
    get built() {
      return built();
    },
    close() {
      closing ??= new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
