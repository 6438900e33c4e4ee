// Frame data -> text for every runtime's idea of a frame: string, ArrayBuffer, typed array / Buffer, Blob
// (workerd binary frames) and ws fragment arrays. Slack sends text frames only, so only the full client's
// connection (and the exported parseFrame) needs this; the core takes strings.
import type { MalformedFrameReason } from '../core/errors.ts';

export type DecodeResult =
  { ok: true; text: string } | { ok: false; reason: MalformedFrameReason; preview?: string; details?: string };

/**
 * Frame data -> text, refusing anything over `maxBytes` before decoding it. Sync except for Blob.
 * Handles string, ArrayBuffer, any ArrayBufferView (Uint8Array, Node Buffer), Blob, and ws fragment arrays.
 */
export function frameToText(data: unknown, maxBytes: number): DecodeResult | Promise<DecodeResult> {
  if (typeof data === 'string') return { ok: true, text: data };
  // toString check too: an ArrayBuffer from another realm (iframe, vm) fails instanceof.
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return decodeBytes(new Uint8Array(data as ArrayBuffer), maxBytes);
  }
  if (ArrayBuffer.isView(data)) {
    return decodeBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), maxBytes);
  }
  if (Array.isArray(data) && data.every((d) => ArrayBuffer.isView(d))) {
    const total = data.reduce((n, d: ArrayBufferView) => n + d.byteLength, 0);
    if (total > maxBytes) return tooLarge(total, maxBytes);
    const joined = new Uint8Array(total);
    let off = 0;
    for (const d of data as ArrayBufferView[]) {
      joined.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), off);
      off += d.byteLength;
    }
    return decodeBytes(joined, maxBytes);
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    if (data.size > maxBytes) return tooLarge(data.size, maxBytes);
    return data.arrayBuffer().then(
      (buf) => decodeBytes(new Uint8Array(buf), maxBytes),
      (e: unknown) => ({ ok: false as const, reason: 'decode_failed' as const, details: String(e) }),
    );
  }
  return { ok: false, reason: 'unsupported_data', details: describeType(data) };
}

function decodeBytes(bytes: Uint8Array, maxBytes: number): DecodeResult {
  if (bytes.byteLength > maxBytes) return tooLarge(bytes.byteLength, maxBytes);
  try {
    // fatal: invalid UTF-8 is a malformed frame, not replacement characters handed to JSON.parse.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'decode_failed', details: 'invalid UTF-8' };
  }
}

function tooLarge(bytes: number, max: number): DecodeResult {
  return { ok: false, reason: 'too_large', details: `${bytes} bytes > ${max}` };
}

function describeType(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  try {
    return Object.prototype.toString.call(x);
  } catch {
    return 'object';
  }
}
