// HTTP routes on the simulator's port: the Slack Web API subset, response_url, and the /_sim control API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newTs, replayOf } from './envelopes.ts';
import type { OpenGate } from './open-gate.ts';
import type { Records } from './records.ts';
import {
  INJECT_KINDS,
  type Envelope,
  type FailOpen,
  type InjectKind,
  type ResolvedOptions,
  type Simulator,
} from './types.ts';

export interface HttpDeps {
  opts: ResolvedOptions;
  records: Records;
  gate: OpenGate;
  /** issue a single-use ticket and return the ws:// link URL */
  linkUrl(): string;
  /** a new first delivery with the events_api retry schedule (used by replay); to `connectionId` if given */
  deliver(env: Envelope, connectionId?: string): void;
  sim: Simulator;
}

const MAX_BODY = 1024 * 1024;
const BOT_USER = 'U0BOT';
const BOT_ID = 'B111';

// Permissive on purpose (real Slack rejects Authorization in the apps.connections.open preflight; the
// simulator must not get in the way of the browser dev panel).
const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
  'Access-Control-Max-Age': '600',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request_too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const isJson = (req: IncomingMessage): boolean =>
  (req.headers['content-type'] ?? '').toLowerCase().includes('application/json');

/** Form or JSON body as a plain object (Slack accepts both for most methods). */
async function parseBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text) return {};
  if (isJson(req)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new HttpError(200, 'invalid_json');
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(200, 'invalid_json');
    return v as Record<string, unknown>;
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

const isUserOrBotToken = (t: string): boolean => /^xox[a-z]-/.test(t);

export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { opts, records, gate, sim } = deps;

  const connectionsOpen = (req: IncomingMessage, res: ServerResponse, skipAuth: boolean): void => {
    const refusal = gate.check();
    if (refusal) {
      records.addOpen({ ok: false, status: refusal.status, error: refusal.error, at: Date.now() });
      opts.log(`api: apps.connections.open -> ${refusal.status} ${refusal.error}`);
      res.writeHead(refusal.status, { ...CORS, ...refusal.headers });
      res.end(refusal.body);
      return;
    }
    let error: string | undefined;
    if (!skipAuth) {
      // Only the Authorization header counts: a `token` form field is "not_authed" for this method.
      const token = bearer(req);
      if (!token) error = 'not_authed';
      else if (isUserOrBotToken(token)) error = 'not_allowed_token_type';
      else if (token !== opts.appToken) error = 'invalid_auth';
    }
    if (error) {
      records.addOpen({ ok: false, status: 200, error, at: Date.now() });
      opts.log(`api: apps.connections.open -> ${error}`);
      return send(res, 200, { ok: false, error });
    }
    records.addOpen({ ok: true, status: 200, at: Date.now() });
    opts.log('api: apps.connections.open -> ok');
    send(res, 200, { ok: true, url: deps.linkUrl() });
  };

  const botAuth = (req: IncomingMessage, body: Record<string, unknown>, allowAppToken: boolean): string | undefined => {
    // A `token` field counts in a form body only: with a JSON body Slack needs the Authorization header.
    const bodyToken = !isJson(req) && typeof body['token'] === 'string' ? body['token'] : undefined;
    const token = bearer(req) ?? bodyToken;
    if (!token) return 'not_authed';
    if (token === opts.botToken || (allowAppToken && token === opts.appToken)) return undefined;
    if (token === opts.appToken) return 'not_allowed_token_type';
    return 'invalid_auth';
  };

  const postMessage = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await parseBody(req);
    const authError = botAuth(req, body, false);
    if (authError) return send(res, 200, { ok: false, error: authError });
    const { token: _token, ...recorded } = body; // never keep a token in the records
    const channel = recorded['channel'];
    if (typeof channel !== 'string' || !channel) return send(res, 200, { ok: false, error: 'channel_not_found' });
    if (recorded['text'] === undefined && recorded['blocks'] === undefined && recorded['attachments'] === undefined) {
      return send(res, 200, { ok: false, error: 'no_text' });
    }
    const ts = newTs();
    records.addPosted({ kind: 'chat.postMessage', body: recorded, at: Date.now() });
    opts.log(`api: chat.postMessage to ${channel}`);
    send(res, 200, {
      ok: true,
      channel,
      ts,
      message: {
        type: 'message',
        user: BOT_USER,
        bot_id: BOT_ID,
        app_id: opts.appId,
        team: opts.teamId,
        ts,
        ...(recorded['text'] !== undefined ? { text: recorded['text'] } : {}),
        ...(recorded['blocks'] !== undefined ? { blocks: recorded['blocks'] } : {}),
      },
    });
  };

  const authTest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await parseBody(req);
    const authError = botAuth(req, body, true);
    if (authError) return send(res, 200, { ok: false, error: authError });
    send(res, 200, {
      ok: true,
      url: 'https://simulator.slack.com/',
      team: 'Simulator',
      user: 'simbot',
      team_id: opts.teamId,
      user_id: BOT_USER,
      bot_id: BOT_ID,
      is_enterprise_install: false,
    });
  };

  const responseUrl = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the raw text: a malformed response is worth seeing in the records
    }
    records.addPosted({ kind: 'response_url', body, at: Date.now(), responseId: id });
    opts.log(`api: response_url ${id}`);
    send(res, 200, { ok: true });
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === 'state' && req.method === 'GET') return send(res, 200, sim.state());
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed');
    switch (path) {
      case 'inject': {
        const { kind, connectionId, ...fields } = await parseBody(req);
        if (typeof kind !== 'string' || !(INJECT_KINDS as readonly string[]).includes(kind)) {
          return send(res, 400, { ok: false, error: 'unknown_kind', kinds: INJECT_KINDS });
        }
        const target = openConnectionId(sim, connectionId);
        return send(
          res,
          200,
          sim.inject(kind as InjectKind, fields, target !== undefined ? { connectionId: target } : {}),
        );
      }
      case 'fault':
        applyFault(sim, await parseBody(req));
        return send(res, 200, { ok: true });
      case 'reset':
        sim.resetStats();
        return send(res, 200, { ok: true });
      case 'replay': {
        const body = await parseBody(req);
        const list = body['envelopes'];
        if (!Array.isArray(list)) throw new HttpError(400, 'envelopes_required');
        const target = openConnectionId(sim, body['connectionId']);
        const envs: Envelope[] = [];
        for (const item of list) {
          const env = item && typeof item === 'object' ? replayOf(item as Record<string, unknown>) : undefined;
          if (!env) throw new HttpError(400, 'bad_envelope');
          envs.push(env);
        }
        const out: Envelope[] = [];
        for (const env of envs) {
          deps.deliver(env, target);
          out.push(env);
        }
        return send(res, 200, { ok: true, envelopes: out });
      }
      case 'connection-url':
        // For the browser dev panel: a ticket URL without holding the app token (like a backend would).
        return connectionsOpen(req, res, true);
      default:
        throw new HttpError(404, 'not_found');
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS);
      res.end();
      return;
    }
    if (path.startsWith('/api/')) {
      if (req.method !== 'POST' && req.method !== 'GET') throw new HttpError(405, 'method_not_allowed');
      const method = path.slice('/api/'.length);
      if (method === 'apps.connections.open') {
        await readBody(req); // drain; any token in the body is deliberately ignored
        return connectionsOpen(req, res, false);
      }
      if (method === 'chat.postMessage') return postMessage(req, res);
      if (method === 'auth.test') return authTest(req, res);
      return send(res, 200, { ok: false, error: 'unknown_method' });
    }
    const resp = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
    if (resp && req.method === 'POST') return responseUrl(req, res, resp[1]!);
    if (path.startsWith('/_sim/')) return control(req, res, path.slice('/_sim/'.length));
    if (path === '/' && req.method === 'GET') {
      return send(res, 200, {
        ok: true,
        simulator: 'socket-mode-anywhere',
        apiUrl: sim.apiUrl,
        state: `${sim.url}/_sim/state`,
        feed: `${sim.url.replace(/^http/, 'ws')}/_sim/feed`,
      });
    }
    throw new HttpError(404, 'not_found');
  };

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return send(res, err.status, { ok: false, error: err.error });
      opts.log(`http: ${req.method} ${req.url?.split('?')[0]} failed: ${(err as Error)?.message ?? err}`);
      send(res, 500, { ok: false, error: 'internal_error' });
    });
  };
}

/** A `connectionId` field of a control request: absent, or an open connection (else 400 no_such_connection). */
function openConnectionId(sim: Simulator, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !sim.connections().some((c) => c.id === value && c.state !== 'closed')) {
    throw new HttpError(400, 'no_such_connection');
  }
  return value;
}

function applyFault(sim: Simulator, body: Record<string, unknown>): void {
  const connectionId = typeof body['connectionId'] === 'string' ? body['connectionId'] : undefined;
  const target = connectionId !== undefined ? { connectionId } : {};
  switch (body['fault']) {
    case 'refresh':
      return sim.refresh({ ...target, ...(typeof body['warning'] === 'boolean' ? { warning: body['warning'] } : {}) });
    case 'drop':
      return sim.drop(target);
    case 'half_open':
      return sim.halfOpen(target);
    case 'close': {
      // addition: {fault:'close', code?, reason?, connectionId?}: a close frame with no disconnect frame first
      const code = body['code'];
      if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code) || code < 1000 || code > 4999))
        throw new HttpError(400, 'bad_close_code');
      return sim.closeConnection({
        ...target,
        code: code as number | undefined,
        reason: typeof body['reason'] === 'string' ? body['reason'] : undefined,
      });
    }
    case 'silent_death':
      return sim.silentDeath({
        ...target,
        ...(typeof body['routeForMs'] === 'number' ? { routeForMs: body['routeForMs'] } : {}),
        ...(typeof body['closeReaches'] === 'boolean' ? { closeReaches: body['closeReaches'] } : {}),
      });
    case 'link_disabled':
      return sim.disableLink();
    case 'link_enabled':
      return sim.enableLink();
    case 'malformed': {
      const frame = typeof body['frame'] === 'string' ? body['frame'] : '{"type":"hello",';
      return sim.sendRaw(frame, { ...target, binary: body['binary'] === true });
    }
    case 'fail_next_open': {
      // addition: {fault:'fail_next_open', error?:string, status?:429|500, retryAfterSec?, times?}
      const times = typeof body['times'] === 'number' ? body['times'] : 1;
      let f: FailOpen;
      if (typeof body['error'] === 'string') f = { error: body['error'] };
      else if (body['status'] === 429)
        f = { status: 429, retryAfterSec: typeof body['retryAfterSec'] === 'number' ? body['retryAfterSec'] : 1 };
      else if (body['status'] === 500) f = { status: 500 };
      else throw new HttpError(400, 'bad_fail_next_open');
      return sim.failNextOpen(f, times);
    }
    default:
      throw new HttpError(400, 'unknown_fault');
  }
}
