// Checks an edited envelope as the client will: the client's own frame parser (src/core/parse.ts, its valibot
// schemas) on the JSON text the simulator will send, plus the envelope fields' shapes, each error tied to its field.
import { parseText } from '../../core/parse.ts';

export type EnvelopeField =
  'envelope_id' | 'type' | 'accepts_response_payload' | 'retry_attempt' | 'retry_reason' | 'payload';

export interface EnvelopeDraft {
  envelope_id: string;
  type: string;
  accepts_response_payload: boolean;
  /** The input's text: '' = leave the field out. */
  retry_attempt: string;
  retry_reason: string;
  /** The payload's JSON text. */
  payload: string;
  /** Other top-level fields of the envelope being edited, kept as they were. */
  rest?: Record<string, unknown>;
}

export interface EnvelopeCheck {
  envelope?: Record<string, unknown>;
  errors: Array<{ field: EnvelopeField; message: string }>;
  /** Sendable, but worth a word (an envelope type the client surfaces as unknown). */
  warnings: string[];
}

export const KNOWN_TYPES = ['events_api', 'slash_commands', 'interactive'];

const FIELDS: EnvelopeField[] = ['envelope_id', 'type', 'accepts_response_payload', 'retry_attempt', 'retry_reason'];

/** The envelope a draft spells, or why the client would refuse it. */
export function checkEnvelope(d: EnvelopeDraft): EnvelopeCheck {
  const errors: EnvelopeCheck['errors'] = [];
  const warnings: string[] = [];
  const id = d.envelope_id.trim();
  if (!id) errors.push({ field: 'envelope_id', message: 'envelope_id is required (the ack echoes it back).' });
  else if (id.length > 512) errors.push({ field: 'envelope_id', message: 'envelope_id: at most 512 characters.' });
  const type = d.type.trim();
  if (!type) errors.push({ field: 'type', message: 'type is required.' });
  else if (!KNOWN_TYPES.includes(type))
    warnings.push(
      `type "${type}" is not one the client knows: it surfaces as an unknown envelope (acked, not dropped).`,
    );
  let retry: number | undefined;
  if (d.retry_attempt.trim() !== '') {
    retry = Number(d.retry_attempt);
    if (!Number.isInteger(retry) || retry < 0)
      errors.push({ field: 'retry_attempt', message: 'retry_attempt: a whole number, 0 or more (empty: left out).' });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(d.payload);
    if (!payload || typeof payload !== 'object' || Array.isArray(payload))
      errors.push({ field: 'payload', message: 'payload: must be a JSON object.' });
  } catch (x) {
    errors.push({ field: 'payload', message: `payload: invalid JSON — ${(x as Error).message}` });
  }
  if (errors.length) return { errors, warnings };

  const envelope: Record<string, unknown> = {
    ...(d.rest ?? {}),
    envelope_id: id,
    type,
    accepts_response_payload: d.accepts_response_payload,
    ...(retry !== undefined ? { retry_attempt: retry } : {}),
    ...(retry !== undefined || d.retry_reason !== '' ? { retry_reason: d.retry_reason } : {}),
    payload,
  };
  if (retry === undefined) delete envelope['retry_attempt'];
  if (retry === undefined && d.retry_reason === '') delete envelope['retry_reason'];
  // What the client's parser says about the very text the simulator will send.
  const parsed = parseText(JSON.stringify(envelope));
  if (!parsed.ok) {
    const details = parsed.error.details ?? parsed.error.message;
    // valibot's issues read "path.to.key: message"; tie each to the top-level field it is under.
    for (const part of details.split('; ')) {
      const top = part.split(/[.:]/)[0] as EnvelopeField;
      errors.push({
        field: FIELDS.includes(top) ? top : 'payload',
        message: `The client refuses it (${parsed.error.reason}): ${part}`,
      });
    }
    return { errors, warnings };
  }
  return { envelope, errors, warnings };
}

/** A draft of an existing envelope, for the editor. */
export function draftOf(env: Record<string, unknown>): EnvelopeDraft {
  const { envelope_id, type, accepts_response_payload, retry_attempt, retry_reason, payload, ...rest } = env;
  return {
    envelope_id: typeof envelope_id === 'string' ? envelope_id : '',
    type: typeof type === 'string' ? type : '',
    accepts_response_payload: accepts_response_payload === true,
    retry_attempt: typeof retry_attempt === 'number' ? String(retry_attempt) : '',
    retry_reason: typeof retry_reason === 'string' ? retry_reason : '',
    payload: JSON.stringify(payload ?? {}, null, 2),
    rest,
  };
}
