// Classifies a frame a client sent: a valid ack, or a bad frame (recorded, never acted on).
import type { BadFrameRecord } from './types.ts';

// Slack silently drops acks over 20 KB (PROTOCOL.md section 3); the sim drops them too, and records why.
export const MAX_ACK_BYTES = 20 * 1024;

export type ClientFrame =
  | { kind: 'ack'; envelope_id: string; payload?: unknown; hasPayload: boolean; frame: Record<string, unknown> }
  | { kind: 'bad'; reason: BadFrameRecord['reason']; sample: string };

export function classifyClientFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ClientFrame {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = buf.toString('utf8');
  const sample = text.slice(0, 200);
  if (isBinary) return { kind: 'bad', reason: 'binary', sample };
  if (buf.byteLength > MAX_ACK_BYTES) return { kind: 'bad', reason: 'too_large', sample };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'bad', reason: 'not_json', sample };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return { kind: 'bad', reason: 'not_an_ack', sample };
  const id = (msg as Record<string, unknown>)['envelope_id'];
  if (typeof id !== 'string' || id === '') return { kind: 'bad', reason: 'not_an_ack', sample };
  const hasPayload = 'payload' in msg;
  const frame = msg as Record<string, unknown>;
  return { kind: 'ack', envelope_id: id, payload: frame['payload'], hasPayload, frame };
}
