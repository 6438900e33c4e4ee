// parseFrame(): raw WebSocket data -> typed frame or MalformedFrameError. Never throws, never hands
// unvalidated data onward, never lets a `__proto__` key near an object's prototype.
import * as v from 'valibot';
import { MalformedFrameError } from './errors.ts';
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
import { frameToText, type DecodeResult } from '../transport/websocket.ts';

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
    return { ok: false, error: new MalformedFrameError('decode_failed', '', String(e)) };
  }
  if (isPromise(decoded)) {
    return decoded.then(
      (d) => fromDecoded(d, max),
      (e: unknown) => ({ ok: false as const, error: new MalformedFrameError('decode_failed', '', String(e)) }),
    );
  }
  return fromDecoded(decoded, max);
}

function fromDecoded(d: DecodeResult, max: number): ParseResult {
  if (!d.ok) return { ok: false, error: new MalformedFrameError(d.reason, d.preview ?? '', d.details) };
  return parseTextMax(d.text, max);
}

/** Parse a frame that is already text. */
export function parseText(text: string, opts: ParseOptions = {}): ParseResult {
  return parseTextMax(text, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
}

function parseTextMax(text: string, max: number): ParseResult {
  try {
    return parseTextUnsafe(text, max);
  } catch (e) {
    // Belt and braces: nothing in here should throw, but the contract is "never throws".
    return { ok: false, error: new MalformedFrameError('schema', safeSlice(text), String(e)) };
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
  if (typeof text !== 'string') return { ok: false, error: new MalformedFrameError('unsupported_data', '') };
  if (text.length > max || (text.length * 3 > max && new TextEncoder().encode(text).byteLength > max)) {
    return { ok: false, error: new MalformedFrameError('too_large', text.slice(0, 200), `more than ${max} bytes`) };
  }
  if (text.length > 2 * MAX_DEPTH && tooDeep(text)) {
    return { ok: false, error: new MalformedFrameError('not_json', text, `nested deeper than ${MAX_DEPTH} levels`) };
  }
  let json: unknown;
  try {
    json = RISKY.test(text) ? JSON.parse(text, dropProtoKeys) : JSON.parse(text);
  } catch {
    return { ok: false, error: new MalformedFrameError('not_json', text) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, error: new MalformedFrameError('not_object', text) };
  }
  const obj = json as Record<string, unknown>;
  const type = obj['type'];
  const schema =
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
  if (schema) {
    const r = v.safeParse(schema, obj);
    if (r.success) {
      // Envelope schemas strip what they do not check: hand on Slack's whole payload, which passed them.
      if (schema !== HelloSchema && schema !== DisconnectSchema) (r.output as { payload: unknown }).payload = obj['payload'];
      return { ok: true, kind: type, frame: r.output } as ParsedFrame;
    }
    return { ok: false, error: new MalformedFrameError('schema', text, summarize(r.issues)) };
  }
  if (typeof type === 'string' && typeof obj['envelope_id'] === 'string') {
    const r = v.safeParse(UnknownEnvelopeSchema, obj);
    if (r.success) return { ok: true, kind: 'unknown_envelope', frame: r.output };
    return { ok: false, error: new MalformedFrameError('schema', text, summarize(r.issues)) };
  }
  return {
    ok: false,
    error: new MalformedFrameError('unknown_frame', text, typeof type === 'string' ? `type "${type.slice(0, 40)}"` : 'no type'),
  };
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

function safeSlice(text: unknown): string {
  return typeof text === 'string' ? text.slice(0, 200) : '';
}

function isPromise<T>(x: unknown): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
