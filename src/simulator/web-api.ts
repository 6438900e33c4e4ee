// The Slack Web API on /api/: apps.connections.open (app token), the methods a bot calls (bot token, in the
// Authorization header or a form `token` field; grouped by family in api-*.ts), a recorded ok:true fallback
// for the methods the simulator does not model, and response_url posts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatMethods } from './api-chat.ts';
import { readMethods } from './api-read.ts';
import { viewMethods, type Method } from './api-views.ts';
import { bearer, CORS, isJson, parseBody, readBody, send } from './http-io.ts';
import type { OpenGate } from './open-gate.ts';
import { maskTokens } from './options.ts';
import type { Records } from './records.ts';
import type { EnvelopeLinks } from './links.ts';
import type { ResolvedOptions } from './types.ts';
import { fail, type Answer } from './web-args.ts';
import type { WebState } from './web-state.ts';

export interface WebApiDeps {
  opts: ResolvedOptions;
  records: Records;
  gate: OpenGate;
  state: WebState;
  /** issue a single-use ticket (for a connection labeled `label`) and return the ws:// link URL */
  linkUrl(label?: string): string;
  /** further app-level tokens (sim.appTokenFor): token -> label */
  tokenLabels: ReadonlyMap<string, string>;
  /** ties a Web API call or a response_url post to the envelope it answers (links.ts) */
  links: EnvelopeLinks;
}

export interface WebApi {
  /** apps.connections.open; `skipAuth` for the control API's connection-url (no app token held). */
  connectionsOpen(req: IncomingMessage, res: ServerResponse, skipAuth: boolean): void;
  /** Any other /api/<method>: checked, answered, recorded in sim.apiCalls. */
  call(req: IncomingMessage, res: ServerResponse, method: string): Promise<void>;
  responseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void>;
}

const isUserOrBotToken = (t: string): boolean => /^xox[a-z]-/.test(t);
const METHOD_NAME = /^[a-zA-Z]+(\.[a-zA-Z]+)+$/;
/** Slack's invalid_arg_name: names of letters, digits and _ only, not very long. */
const ARG_NAME = /^[A-Za-z0-9_]{1,100}$/;

/** A deep copy with every token-shaped string masked: records never hold a token, nor a live object. */
const scrub = <T>(v: T): T => JSON.parse(maskTokens(JSON.stringify(v))) as T;

export function createWebApi(deps: WebApiDeps): WebApi {
  const { opts, records, gate, state, links } = deps;
  // The link of the call being answered: chat.postMessage's `posted` record carries it too.
  let current: ReturnType<EnvelopeLinks['forCall']>;
  const methods: Record<string, Method> = {
    ...readMethods(state.ws, opts.teamId),
    ...chatMethods({
      ws: state.ws,
      appId: opts.appId,
      teamId: opts.teamId,
      onPosted: (args) =>
        records.addPosted({ kind: 'chat.postMessage', body: scrub(args), at: Date.now(), ...(current ?? {}) }),
    }),
    ...viewMethods(state.views, state.ws),
  };

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
    let label: string | undefined;
    if (!skipAuth) {
      // Only the Authorization header counts: a `token` form field is "not_authed" for this method.
      const token = bearer(req);
      if (!token) error = 'not_authed';
      else if (isUserOrBotToken(token)) error = 'not_allowed_token_type';
      else if (token !== opts.appToken && !deps.tokenLabels.has(token)) error = 'invalid_auth';
      else label = deps.tokenLabels.get(token);
    }
    if (error) {
      records.addOpen({ ok: false, status: 200, error, at: Date.now() });
      opts.log(`api: apps.connections.open -> ${error}`);
      return send(res, 200, { ok: false, error });
    }
    records.addOpen({ ok: true, status: 200, at: Date.now() });
    opts.log('api: apps.connections.open -> ok');
    send(res, 200, { ok: true, url: deps.linkUrl(label) });
  };

  const botAuth = (req: IncomingMessage, body: Record<string, unknown>, allowAppToken: boolean): string | undefined => {
    // A `token` field counts in a form body only: with a JSON body Slack needs the Authorization header.
    const bodyToken = !isJson(req) && typeof body['token'] === 'string' ? body['token'] : undefined;
    const token = bearer(req) ?? bodyToken;
    if (!token) return 'not_authed';
    const appToken = token === opts.appToken || deps.tokenLabels.has(token);
    if (token === opts.botToken || (allowAppToken && appToken)) return undefined;
    if (appToken) return 'not_allowed_token_type';
    return 'invalid_auth';
  };

  const call = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    // Query-string arguments count too (a GET's only ones); the body's win.
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://sim.invalid').searchParams);
    const body = { ...query, ...(await parseBody(req)) };
    const { token: _token, ...args } = body; // never keep a token in the records
    const modeled = Object.hasOwn(methods, method);
    const authError = botAuth(req, body, method === 'auth.test');
    // Which envelope this call answers (an error the bot got while answering one belongs with it too).
    const link = authError ? undefined : links.forCall(args, Date.now());
    current = link;
    let answer: Answer;
    if (!METHOD_NAME.test(method)) answer = fail('unknown_method');
    else if (authError) answer = fail(authError);
    else if (Object.keys(args).some((k) => !ARG_NAME.test(k))) answer = fail('invalid_arg_name');
    else if (modeled) answer = methods[method]!(args);
    else answer = { ok: true, response_metadata: { warnings: ['method_not_modeled_by_simulator'] } };
    current = undefined;
    const error = answer.ok ? undefined : answer.error;
    records.addApiCall({
      method,
      args: scrub(args),
      response: scrub(answer),
      ok: answer.ok,
      ...(error ? { error } : {}),
      modeled,
      at: Date.now(),
      ...(link ?? {}),
    });
    if (!modeled && answer.ok) {
      opts.log(`api: ${method} -> ok (not modeled by the simulator: answered {ok:true} and recorded, nothing done)`);
    } else opts.log(`api: ${method} -> ${error ?? 'ok'}`);
    send(res, 200, answer);
  };

  const responseUrl = async (req: IncomingMessage, res: ServerResponse, id: string): Promise<void> => {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the raw text: a malformed response is worth seeing in the records
    }
    const link = links.forResponse(id);
    records.addPosted({ kind: 'response_url', body, at: Date.now(), responseId: id, ...(link ?? {}) });
    opts.log(`api: response_url ${id}`);
    send(res, 200, { ok: true });
  };

  return { connectionsOpen, call, responseUrl };
}
