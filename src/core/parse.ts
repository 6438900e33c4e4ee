// parseFrame(): raw WebSocket data -> typed frame or MalformedFrameError. Never throws, never hands
// unvalidated data onward, never lets a `__proto__` key near an object's prototype.
import * as v from 'valibot';
import { MalformedFrameError, type MalformedFrameReason } from './errors.ts';
import {
  DisconnectSchema,
  EventsApiSchema,
  HelloSchema,
  InteractiveSchema,
  SlashCommandsSchema,
  UnknownEnvelopeSchema,
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
  const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // Text frames (the common case everywhere): no decode step, no intermediate result object.
  if (typeof data === 'string') return parseTextMax(data, max);
  let decoded: DecodeResult | Promise<DecodeResult>;
  try {
    decoded = frameToText(data, max);
  } catch (e) {
    return bad('decode_failed', '', String(e));
  }
  return decoded instanceof Promise
    ? decoded.then(
        (d) => fromDecoded(d, max),
        (e: unknown) => bad('decode_failed', '', String(e)),
      )
    : fromDecoded(decoded, max);
}

function fromDecoded(d: DecodeResult, max: number): ParseResult {
  return d.ok ? parseTextMax(d.text, max) : bad(d.reason, d.preview ?? '', d.details);
}

/** Parse a frame that is already text. */
export function parseText(text: string, opts: ParseOptions = {}): ParseResult {
  return parseTextMax(text, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
}

const bad = (reason: MalformedFrameReason, raw: string, details?: string): ParseResult => ({
  ok: false,
  error: new MalformedFrameError(reason, raw, details),
});

function parseTextMax(text: string, max: number): ParseResult {
  try {
    return parseTextUnsafe(text, max);
  } catch (e) {
    // Belt and braces: nothing in here should throw, but the contract is "never throws".
    return bad('schema', typeof text === 'string' ? text.slice(0, 200) : '', String(e));
  }
}

// Only a frame whose text spells `__proto__`, or escapes a character in the range of its letters
// (\u0050-\u007f), can produce a `__proto__` key: only such a frame pays for the reviver.
const RISKY = /__proto__|\\u00[5-7]/;

/**
 * Frames nested deeper than this are refused: user code that walks or stringifies a body recursively must not
 * be handed a stack bomb. A frame shorter than 2 × MAX_DEPTH characters cannot be that deep, so only longer
 * ones are scanned.
 */
const MAX_DEPTH = 2000;

function parseTextUnsafe(text: string, max: number): ParseResult {
  if (typeof text !== 'string') return bad('unsupported_data', '');
  if (text.length > max || (text.length * 3 > max && new TextEncoder().encode(text).byteLength > max)) {
    return bad('too_large', text.slice(0, 200), `more than ${max} bytes`);
  }
  if (text.length > 2 * MAX_DEPTH && tooDeep(text)) return bad('not_json', text, `nested deeper than ${MAX_DEPTH} levels`);
  let obj: Record<string, unknown>;
  try {
    obj = RISKY.test(text) ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch {
    return bad('not_json', text);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return bad('not_object', text);
  const type = obj['type'];
  let kind = type as ParsedFrame['kind'];
  let schema: v.GenericSchema | undefined =
    type === 'hello'
      ? HelloSchema
      : type === 'disconnect'
        ? DisconnectSchema
        : type === 'events_api'
          ? EventsApiSchema
          : type === 'slash_commands'
            ? SlashCommandsSchema
            : type === 'interactive'
              ? InteractiveSchema
              : undefined;
  if (!schema) {
    if (typeof type !== 'string' || typeof obj['envelope_id'] !== 'string') {
      return bad('unknown_frame', text, typeof type === 'string' ? `type "${type.slice(0, 40)}"` : 'no type');
    }
    kind = 'unknown_envelope';
    schema = UnknownEnvelopeSchema;
  }
  const r = v.safeParse(schema, obj);
  if (!r.success) return bad('schema', text, summarize(r.issues));
  // Slack's own object passed the schema: it is handed on whole, with the envelope defaults settled.
  if (kind !== 'hello' && kind !== 'disconnect') {
    obj['accepts_response_payload'] = obj['accepts_response_payload'] === true;
    if (obj['retry_attempt'] === null) obj['retry_attempt'] = undefined;
    if (obj['retry_reason'] === null) obj['retry_reason'] = undefined;
  }
  return { ok: true, kind, frame: obj } as ParsedFrame;
}

/** Whether `text`'s brackets (outside strings) nest deeper than MAX_DEPTH. */
function tooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** JSON.parse reviver: drops keys that could rewrite a prototype when the object is later copied. */
function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

function summarize(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? '';
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ')
    .slice(0, 300);
}

