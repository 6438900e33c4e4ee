// The /_sim control API: state, inject, fault, reset, replay and connection-url, each a call on the Simulator.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildEnvelope, replayOf } from './envelopes.ts';
import { HttpError, parseBody, send } from './http-io.ts';
import { INJECT_KINDS, type Envelope, type FailOpen, type InjectKind, type Simulator } from './types.ts';

export interface ControlDeps {
  sim: Simulator;
  /** a new first delivery with the events_api retry schedule (used by replay); to `connectionId` if given */
  deliver(env: Envelope, connectionId?: string): void;
  /** apps.connections.open without the token check (the Web API's own) */
  connectionsOpen(req: IncomingMessage, res: ServerResponse, skipAuth: boolean): void;
}

export function createControlApi(
  deps: ControlDeps,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const { sim } = deps;
  return async (req, res, path) => {
    if (path === 'state' && req.method === 'GET') return send(res, 200, sim.state());
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed');
    switch (path) {
      case 'inject': {
        const { kind, connectionId, to, ...fields } = await parseBody(req);
        if (typeof kind !== 'string' || !(INJECT_KINDS as readonly string[]).includes(kind)) {
          return send(res, 400, { ok: false, error: 'unknown_kind', kinds: INJECT_KINDS });
        }
        const target = openConnectionId(sim, connectionId);
        // addition: `to: <label>` delivers to a live connection opened with appTokenFor(label) (`to: "bot"`).
        if (to !== undefined && typeof to !== 'string') throw new HttpError(400, 'bad_to');
        if (target === undefined && to && !sim.connections().some((c) => c.label === to && c.state === 'live')) {
          return send(res, 400, { ok: false, error: 'no_live_connection', to });
        }
        return send(
          res,
          200,
          sim.inject(
            kind as InjectKind,
            fields,
            target !== undefined ? { connectionId: target } : to ? { label: to } : {},
          ),
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
      case 'build': {
        // addition (the dev panel's envelope editor): the envelope inject would send, not sent, to edit first
        const { kind, connectionId: _c, ...fields } = await parseBody(req);
        if (typeof kind !== 'string' || !(INJECT_KINDS as readonly string[]).includes(kind)) {
          return send(res, 400, { ok: false, error: 'unknown_kind', kinds: INJECT_KINDS });
        }
        const { appId, teamId } = sim.state();
        return send(res, 200, buildEnvelope(kind as InjectKind, fields, { appId, teamId, baseUrl: sim.url }));
      }
      case 'send': {
        // addition: a whole envelope as given (envelope fields included), one delivery, no retry schedule; its
        // ack is matched and its deadline recorded as for any other
        const body = await parseBody(req);
        const env = body['envelope'];
        if (!isSendable(env)) throw new HttpError(400, 'bad_envelope');
        const target = openConnectionId(sim, body['connectionId']);
        sim.sendEnvelope(env, target !== undefined ? { connectionId: target } : {});
        return send(res, 200, { ok: true, envelope: env });
      }
      case 'connection-url':
        // For the browser dev panel: a ticket URL without holding the app token (like a backend would).
        return deps.connectionsOpen(req, res, true);
      default:
        throw new HttpError(404, 'not_found');
    }
  };
}

/** What /_sim/send delivers: an object with an envelope_id, a type and a payload object (the client judges the rest). */
function isSendable(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e['envelope_id'] === 'string' &&
    e['envelope_id'] !== '' &&
    typeof e['type'] === 'string' &&
    !!e['payload'] &&
    typeof e['payload'] === 'object'
  );
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
