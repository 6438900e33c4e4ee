// createForwarder: each Socket Mode envelope becomes the signed HTTP request Slack would have sent to the app's
// Request URL, and the app's answer becomes the ack. Every envelope is forwarded as it comes (none waits for
// another); one that gets no usable answer before the deadline is left un-acked, as over HTTP, and Slack
// redelivers it (events).
import type { CoreClient } from '../core/client.ts';
import { InvalidOptionsError } from '../core/errors.ts';
import type { SlackEventArgs } from '../core/types.ts';
import { ackFromAnswer } from './answer.ts';
import { slackHttpRequest, type RouteKind } from './request.ts';
import { slackSigner } from './sign.ts';

/** Where requests go: an http(s) URL, or a fetch-style handler (a Worker's or Hono's `fetch`): no HTTP at all. */
export type ForwardTarget = string | URL | ((request: Request) => Response | Promise<Response>);

export interface ForwarderOptions {
  /** The Socket Mode client whose envelopes are forwarded (SocketModeClient or CoreClient). */
  client: Pick<CoreClient, 'on' | 'off'>;
  /** The app's Request URL (or handler) for every kind of request not given in `routes`. */
  to?: ForwardTarget;
  /** Per-kind Request URLs, for an app that splits them (Slack's Event Subscriptions, Slash Commands, Interactivity). */
  routes?: Partial<Record<RouteKind, ForwardTarget>>;
  /** The app's signing secret: requests are signed with it, so the app's own verifier accepts them. */
  signingSecret: string;
  /**
   * How long the app has to answer, from the envelope's arrival. Slack's ack deadline is 3 s; what is left goes
   * to acking.
   * @default 2500
   */
  timeoutMs?: number;
  /** Told of each envelope once its outcome is known (the CLI prints one line per call). */
  onDelivery?: (delivery: Delivery) => void;
  /** For a URL target. @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
}

/** Why an envelope was not acked. */
export type ForwardFailure = 'refused' | 'timeout' | 'status' | 'network' | 'answer' | 'ack' | 'unrouted';

export interface Delivery {
  envelope_id: string;
  /** The envelope type: events_api, slash_commands, interactive, … */
  type: string;
  kind: RouteKind | undefined;
  /** The event type, the command, or the interaction type and its action/callback id. */
  what: string;
  /** The URL, or 'handler'. */
  target: string | undefined;
  retryNum: number | undefined;
  /** The app's HTTP status, when it answered. */
  status: number | undefined;
  /** From the envelope's arrival to its ack (or the failure). */
  ms: number;
  acked: boolean;
  /** Bytes of the ack payload's JSON; 0 for an ack without payload. */
  ackBytes: number;
  /** The ack payload (the app's answer, as acked), when there was one: the dev panel shows it. */
  ack?: unknown;
  failure?: ForwardFailure;
  /** Why, in words, when not acked. Never carries the secret or a token. */
  reason?: string;
}

export interface Forwarder {
  /** Stops forwarding (envelopes already in flight finish). */
  stop(): void;
}

/** An envelope not acked: thrown from the client's handler, so dedupe forgets it and Slack's redelivery comes through. */
export class ForwardError extends Error {
  override name = 'ForwardError';
  constructor(
    readonly failure: ForwardFailure,
    message: string,
  ) {
    super(message);
  }
}

const KINDS: RouteKind[] = ['events', 'commands', 'interactivity'];
const HANDLER_URL = 'http://localhost/slack/events';

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { client, signingSecret, onDelivery } = options;
  if (typeof signingSecret !== 'string' || signingSecret.trim() === '')
    throw new InvalidOptionsError('createForwarder: signingSecret is required (the app verifies requests with it)');
  const timeoutMs = options.timeoutMs ?? 2500;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new InvalidOptionsError(`createForwarder: timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  const targets = new Map<RouteKind, ForwardTarget>();
  for (const kind of KINDS) {
    const t = options.routes?.[kind] ?? options.to;
    if (t !== undefined) targets.set(kind, checkTarget(t, kind));
  }
  if (targets.size === 0) throw new InvalidOptionsError('createForwarder: give `to` (or `routes`): where to forward');
  const doFetch = options.fetch ?? ((r: Request) => fetch(r));
  const sign = slackSigner(signingSecret);

  const forward = async (args: SlackEventArgs): Promise<Delivery> => {
    const start = performance.now();
    const request = slackHttpRequest(args);
    const target = request && targets.get(request.kind);
    const d: Delivery = {
      envelope_id: args.envelope_id,
      type: args.type,
      kind: request?.kind,
      what: request?.what ?? args.type,
      target: target === undefined ? undefined : typeof target === 'function' ? 'handler' : String(target),
      retryNum: args.retry_num,
      status: undefined,
      ms: 0,
      acked: false,
      ackBytes: 0,
    };
    const fail = (failure: ForwardFailure, reason: string): Delivery => {
      d.failure = failure;
      d.reason = reason;
      d.ms = Math.round(performance.now() - start);
      return d;
    };
    if (!request) return fail('unrouted', `${args.type} envelopes have no HTTP equivalent`);
    if (target === undefined) return fail('unrouted', `no target for ${request.kind}`);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = new Headers({
      'Content-Type': request.contentType,
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'X-Slack-Request-Timestamp': String(timestamp),
      'X-Slack-Signature': await sign(timestamp, request.body),
      ...request.retryHeaders,
    });
    const url = typeof target === 'function' ? HANDLER_URL : String(target);
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new ForwardError('timeout', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    let status: number;
    let contentType: string;
    let text: string;
    try {
      const req = new Request(url, { method: 'POST', headers, body: request.body, signal: abort.signal });
      const answer = async () => {
        const res = await (typeof target === 'function' ? target(req) : doFetch(req));
        return [res.status, res.headers.get('content-type') ?? '', await res.text()] as const;
      };
      [status, contentType, text] = await Promise.race([answer(), deadline]);
    } catch (e) {
      if (e instanceof ForwardError) return fail(e.failure, e.message);
      const why = describeFetchError(e);
      return fail(why.refused ? 'refused' : 'network', why.text);
    } finally {
      clearTimeout(timer);
    }
    d.status = status;
    const decision = ackFromAnswer(request.kind, status, contentType, text);
    if (!decision.ack) return fail(status >= 200 && status < 300 ? 'answer' : 'status', decision.reason);
    try {
      await args.ack(decision.payload);
    } catch (e) {
      return fail('ack', `the ack failed: ${(e as Error)?.message ?? String(e)}`);
    }
    d.acked = true;
    if (decision.payload !== undefined) d.ack = decision.payload;
    d.ackBytes = decision.payload === undefined ? 0 : new TextEncoder().encode(JSON.stringify(decision.payload)).length;
    d.ms = Math.round(performance.now() - start);
    return d;
  };

  const handler = async (args: SlackEventArgs): Promise<void> => {
    const d = await forward(args);
    try {
      onDelivery?.(d);
    } catch {
      // A reporting callback's failure is not the envelope's.
    }
    if (!d.acked) throw new ForwardError(d.failure ?? 'network', `${d.what} not acked: ${d.reason}`);
  };
  client.on('slack_event', handler);
  return { stop: () => void client.off('slack_event', handler) };
}

function checkTarget(t: ForwardTarget, kind: RouteKind): ForwardTarget {
  if (typeof t === 'function') return t;
  let url: URL;
  try {
    url = new URL(String(t));
  } catch {
    throw new InvalidOptionsError(`createForwarder: the ${kind} target is not a URL (an http(s) URL or a handler)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidOptionsError(`createForwarder: the ${kind} target must be http(s), got ${url.protocol}`);
  return url.href;
}

/** fetch's failures differ per runtime (Node: TypeError with cause.code; Deno, Bun: messages); refused is told apart. */
function describeFetchError(e: unknown): { refused: boolean; text: string } {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code ?? '';
  const message = `${(e as Error)?.message ?? String(e)} ${cause?.message ?? ''}`;
  const refused = /refused/i.test(code) || /refused/i.test(message);
  return { refused, text: refused ? 'connection refused' : `${code || 'network error'}: ${message.trim()}` };
}
