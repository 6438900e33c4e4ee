// The app's HTTP answer becomes the envelope's ack, as Slack reads an HTTP answer: a 2xx JSON body is the ack
// payload as is; a text body is a command's message ({text}); an empty body acks without payload. Anything
// else (non-2xx, a body that claims JSON and is not) leaves the envelope un-acked, with the reason.
import type { RouteKind } from './request.ts';

export type AckDecision = { ack: true; payload: Record<string, unknown> | undefined } | { ack: false; reason: string };

export function ackFromAnswer(kind: RouteKind, status: number, contentType: string, text: string): AckDecision {
  if (status < 200 || status > 299) return { ack: false, reason: `HTTP ${status}` };
  const body = text.trim();
  if (body === '') return { ack: true, payload: undefined };
  // Bolt's HTTPReceiver answers ack('text') with no content type, and ack({...}) as application/json.
  const claimsJson = /\bjson\b/i.test(contentType);
  if (claimsJson || (contentType === '' && body.startsWith('{'))) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        return { ack: true, payload: parsed as Record<string, unknown> };
    } catch {
      if (claimsJson) return { ack: false, reason: 'the answer says JSON but is not' };
    }
    if (claimsJson) return { ack: false, reason: 'the answer is JSON but not an object' };
  }
  // Slack shows a command's text answer as its message; for events and interactions it ignores the text.
  return { ack: true, payload: kind === 'commands' ? { text } : undefined };
}
