// parseFrame(): raw WebSocket data -> typed frame or MalformedFrameError. Never throws, never hands
// unvalidated data onward, never lets a `__proto__` key near an object's prototype.
import * as v from 'valibot';
import { MalformedFrameError, type MalformedFrameReason } from './errors.ts';
import {
  FRAME_SCHEMAS,
  UNKNOWN_ENVELOPE,
  type DisconnectFrame,
  type EventsApiEnvelope,
  type HelloFrame,
  type InteractiveEnvelope,
  type SlashCommandsEnvelope,
  type UnknownEnvelopeFrame,
} from './schemas.ts';
import { frameToText, type DecodeResult } from '../transport/decode.ts';

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export interface ParseOptions {
  /** Frames larger than this (bytes) are rejected before parsing. Default 1 MiB. */
  maxFrameBytes?: number;
}

export type ParsedFrame =
  | { ok: true; kind: 'hello'; frame: HelloFrame }
  | { ok: true; kind: 'disconnect'; frame: DisconnectFrame }
  | { ok: true; kind: 'events_api'; frame: EventsApiEnvelope }
  | { ok: true; kind: 'slash_commands'; frame: SlashCommandsEnvelope }
  | { ok: true; kind: 'interactive'; frame: InteractiveEnvelope }
  | { ok: true; kind: 'unknown_envelope'; frame: UnknownEnvelopeFrame };

export type ParseResult = ParsedFrame | { ok: false; error: MalformedFrameError };

/**
 * Parse one frame as delivered by any runtime: string, ArrayBuffer, typed array / Buffer, Blob, or ws
 * fragments. Returns a Promise only for Blob data (workerd), whose text is async.
 */
export function parseFrame(data: unknown, opts: ParseOptions = {}): ParseResult | Promise<ParseResult> {
  // Text frames (the common case everywhere): no decode step, no intermediate result object.
  if (typeof data === 'string') return parseText(data, opts);
  let decoded: DecodeResult | Promise<DecodeResult>;
  try {
    decoded = frameToText(data, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  } catch (e) {
    return bad('decode_failed', '', String(e));
  }
  return decoded instanceof Promise
    ? decoded.then(
        (d) => fromDecoded(d, opts),
        (e: unknown) => bad('decode_failed', '', String(e)),
      )
    : fromDecoded(decoded, opts);
}

function fromDecoded(d: DecodeResult, opts: ParseOptions): ParseResult {
  return d.ok ? parseText(d.text, opts) : bad(d.reason, d.preview ?? '', d.details);
}

const bad = (reason: MalformedFrameReason, raw: string, details?: string): ParseResult => ({
  ok: false,
  error: new MalformedFrameError(reason, raw, details),
});

// Only a frame whose text spells `__proto__`, or escapes a character in the range of its letters
// (\u0050-\u007f), can produce a `__proto__` key: only such a frame pays for the reviver.
const RISKY = /__proto__|\\u00[5-7]/;

/**
 * Frames nested deeper than this are refused: user code that walks or stringifies a body recursively must not
 * be handed a stack bomb. A frame shorter than 2 × MAX_DEPTH characters cannot be that deep, so only longer
 * ones are scanned.
 */
const MAX_DEPTH = 2000;

/** Parse a frame that is already text. */
export function parseText(text: string, opts: ParseOptions = {}): ParseResult {
  if (typeof text !== 'string') return bad('unsupported_data', '');
  const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (text.length > max || (text.length * 3 > max && new TextEncoder().encode(text).byteLength > max)) {
    return bad('too_large', text.slice(0, 200), `more than ${max} bytes`);
  }
  if (text.length > 2 * MAX_DEPTH && tooDeep(text))
    return bad('not_json', text, `nested deeper than ${MAX_DEPTH} levels`);
  let obj: Record<string, unknown> | undefined;
  try {
    obj = RISKY.test(text) ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return bad('not_object', text);
    const type = obj.type;
    let kind = type as ParsedFrame['kind'];
    let schema = FRAME_SCHEMAS.get(type);
    if (!schema) {
      if (typeof type !== 'string' || typeof obj.envelope_id !== 'string') {
        return bad('unknown_frame', text, typeof type === 'string' ? `type "${type.slice(0, 40)}"` : 'no type');
      }
      kind = 'unknown_envelope';
      schema = UNKNOWN_ENVELOPE;
    }
    if (type !== 'hello' && type !== 'disconnect') {
      // An envelope's defaults, settled on Slack's own object before its schema checks it (see envelopeCommon).
      if (obj.accepts_response_payload === undefined) obj.accepts_response_payload = false;
      if (obj.retry_attempt === null) obj.retry_attempt = undefined;
      if (obj.retry_reason === null) obj.retry_reason = undefined;
    }
    // Slack's own object fits its schema (the schema compiled to one predicate: see fits() in schemas.ts).
    if (schema[1](obj)) return { ok: true, kind, frame: obj } as ParsedFrame;
    // It does not: valibot says why. Through the Standard Schema interface every valibot schema carries (sync for
    // object schemas): the same run as safeParse, without its code in the bundle.
    const { issues } = schema[0]['~standard'].validate(obj) as { issues?: readonly v.BaseIssue<unknown>[] };
    // Slack's own object passed the schema: it is handed on whole (the schema's output is a partial copy).
    return issues ? bad('schema', text, summarize(issues)) : ({ ok: true, kind, frame: obj } as ParsedFrame);
  } catch (e) {
    // Only JSON.parse should throw (bad JSON); should anything after it, the contract is still "never throws".
    return obj === undefined ? bad('not_json', text) : bad('schema', text, String(e));
  }
}

/** Whether `text`'s brackets (outside strings) nest deeper than MAX_DEPTH. */
function tooDeep(text: string): boolean {
  // That takes more than MAX_DEPTH opening brackets: counted first by the runtime's regex engine, so the walk
  // below, a character at a time, runs only for a frame that has them (a 6 KB frame: a few µs instead of ~17).
  if ((text.match(/[[{]/g)?.length ?? 0) <= MAX_DEPTH) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, and over each escaped character.
      while (++i < text.length && (c = text.charCodeAt(i)) !== 34) if (c === 92) i++;
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** JSON.parse reviver: drops keys that could rewrite a prototype when the object is later copied. */
function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/** The first issues, each with its field's path (every issue has one: the frame is an object). */
function summarize(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path?.map((p) => p.key).join('.')}: ${i.message}`)
    .join('; ')
    .slice(0, 300);
}
