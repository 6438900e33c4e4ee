// The Slack Web API subset on /api/ (apps.connections.open, chat.postMessage, auth.test) and response_url posts,
// with Slack's token rules for each.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newTs } from './envelopes.ts';
import { bearer, CORS, isJson, parseBody, readBody, send } from './http-io.ts';
import type { OpenGate } from './open-gate.ts';
import type { Records } from './records.ts';
import type { ResolvedOptions } from './types.ts';

export interface WebApiDeps {
  opts: ResolvedOptions;
  records: Records;
  gate: OpenGate;
  /** issue a single-use ticket and return the ws:// link URL */
  linkUrl(): string;
}

export interface WebApi {
  /** apps.connections.open; `skipAuth` for the control API's connection-url (no app token held). */
  connectionsOpen(req: IncomingMessage, res: ServerResponse, skipAuth: boolean): void;
  postMessage(req: IncomingMessage, res: ServerResponse): Promise<void>;
  authTest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  responseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void>;
}

const BOT_USER = 'U0BOT';
const BOT_ID = 'B111';

const isUserOrBotToken = (t: string): boolean => /^xox[a-z]-/.test(t);

export function createWebApi(deps: WebApiDeps): WebApi {
  const { opts, records, gate } = deps;

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

  return { connectionsOpen, postMessage, authTest, responseUrl };
}
