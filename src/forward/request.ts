// The HTTP request Slack would POST for a Socket Mode envelope: same body, same content type, same headers
// (signature aside, which sign.ts adds). Events: the event_callback JSON. Slash commands: the form fields.
// Interactions (block_actions, view_submission, options/block_suggestion, …): form-encoded `payload=<JSON>`.
import type { SlackEventArgs } from '../core/types.ts';

/** The three Request URLs a Slack app configures; one URL may serve all three. */
export type RouteKind = 'events' | 'commands' | 'interactivity';

export interface SlackHttpRequest {
  kind: RouteKind;
  body: string;
  contentType: string;
  /** X-Slack-Retry-Num / X-Slack-Retry-Reason on a redelivery, as Slack sends them. */
  retryHeaders: Record<string, string>;
  /** What the envelope is, for a log line: the event type, the command, the interaction (and its action). */
  what: string;
}

const FORM = 'application/x-www-form-urlencoded';

/** The request for an envelope, or undefined for a type Slack does not deliver over HTTP. */
export function slackHttpRequest(
  args: Pick<SlackEventArgs, 'type' | 'body' | 'retry_num' | 'retry_reason'>,
): SlackHttpRequest | undefined {
  const body = args.body;
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const retryHeaders: Record<string, string> = {};
  if (args.retry_num !== undefined && args.retry_num > 0) {
    retryHeaders['X-Slack-Retry-Num'] = String(args.retry_num);
    retryHeaders['X-Slack-Retry-Reason'] = args.retry_reason || 'http_timeout';
  }
  switch (args.type) {
    case 'events_api': {
      const event = b['event'] as Record<string, unknown> | undefined;
      const what = typeof event?.['type'] === 'string' ? (event['type'] as string) : String(b['type'] ?? 'event');
      return { kind: 'events', body: JSON.stringify(body), contentType: 'application/json', retryHeaders, what };
    }
    case 'slash_commands': {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(b)) {
        if (v === undefined || v === null) continue;
        form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
      return { kind: 'commands', body: form.toString(), contentType: FORM, retryHeaders, what: String(b['command']) };
    }
    case 'interactive': {
      const form = new URLSearchParams({ payload: JSON.stringify(body) });
      return { kind: 'interactivity', body: form.toString(), contentType: FORM, retryHeaders, what: interaction(b) };
    }
    default:
      return undefined;
  }
}

function interaction(b: Record<string, unknown>): string {
  const type = String(b['type'] ?? 'interactive');
  const actions = b['actions'] as Array<Record<string, unknown>> | undefined;
  const id =
    actions?.[0]?.['action_id'] ??
    b['action_id'] ??
    b['callback_id'] ??
    (b['view'] as Record<string, unknown> | undefined)?.['callback_id'];
  return typeof id === 'string' ? `${type} ${id}` : type;
}
