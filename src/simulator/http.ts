// HTTP routes on the simulator's port: the Slack Web API, response_url, and the /_sim control API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createControlApi } from './control-api.ts';
import { CORS, HttpError, readBody, send } from './http-io.ts';
import type { Envelope, Simulator } from './types.ts';
import { createWebApi, type WebApiDeps } from './web-api.ts';

export interface HttpDeps extends WebApiDeps {
  /** a new first delivery with the events_api retry schedule (used by replay); to `connectionId` if given */
  deliver(env: Envelope, connectionId?: string): void;
  sim: Simulator;
}

export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { opts, sim } = deps;
  const api = createWebApi(deps);
  const control = createControlApi({ sim, deliver: deps.deliver, connectionsOpen: api.connectionsOpen });

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
        return api.connectionsOpen(req, res, false);
      }
      return api.call(req, res, method);
    }
    const resp = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
    if (resp && req.method === 'POST') return api.responseUrl(req, res, resp[1]!);
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
