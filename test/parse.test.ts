import { describe, expect, test } from 'vitest';
import { parseFrame, MalformedFrameError, type ParseResult } from '../src/index.ts';
import { parseText } from '../src/core/parse.ts';
import { redact } from '../src/core/redact.ts';

const hello = {
  type: 'hello',
  num_connections: 2,
  debug_info: { host: 'applink-1', build_number: 10, approximate_connection_time: 18060 },
  connection_info: { app_id: 'A111' },
};
const eventsApi = {
  envelope_id: 'e-1',
  type: 'events_api',
  accepts_response_payload: false,
  retry_attempt: 0,
  retry_reason: '',
  payload: {
    type: 'event_callback',
    event_id: 'Ev1',
    event: { type: 'app_mention', text: 'hi', extra: 1 },
    new_slack_field: true,
  },
};
const slash = {
  envelope_id: 's-1',
  type: 'slash_commands',
  accepts_response_payload: true,
  payload: { command: '/hello', text: 'world' },
};
const interactive = {
  envelope_id: 'i-1',
  type: 'interactive',
  accepts_response_payload: true,
  payload: { type: 'block_actions', actions: [] },
};

const enc = new TextEncoder();
const encodings: Array<[string, (s: string) => unknown]> = [
  ['string', (s) => s],
  ['ArrayBuffer', (s) => enc.encode(s).buffer],
  ['Uint8Array', (s) => enc.encode(s)],
  [
    'Uint8Array view with offset',
    (s) => {
      const b = enc.encode(`xx${s}yy`);
      return b.subarray(2, b.length - 2);
    },
  ],
  ['Buffer', (s) => Buffer.from(s)],
  ['Blob', (s) => new Blob([s])],
  [
    'ws fragments',
    (s) => {
      const b = Buffer.from(s);
      return [b.subarray(0, 3), b.subarray(3)];
    },
  ],
];

function ok(r: ParseResult) {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.reason}: ${r.error.message}`);
  return r;
}
function bad(r: ParseResult) {
  if (r.ok) throw new Error(`expected error, got ${r.kind}`);
  expect(r.error).toBeInstanceOf(MalformedFrameError);
  expect(r.error.code).toBe('malformed_frame');
  return r.error;
}

describe('parseFrame: good frames in every encoding', () => {
  for (const [name, encode] of encodings) {
    test(name, async () => {
      const h = ok(await parseFrame(encode(JSON.stringify(hello))));
      expect(h.kind).toBe('hello');
      expect(h.frame).toMatchObject(hello);
      const e = ok(await parseFrame(encode(JSON.stringify(eventsApi))));
      expect(e.kind).toBe('events_api');
      if (e.kind === 'events_api') {
        expect(e.frame.payload.event?.type).toBe('app_mention');
        // Extra fields survive (Slack adds fields).
        expect((e.frame.payload as Record<string, unknown>).new_slack_field).toBe(true);
        expect((e.frame.payload.event as Record<string, unknown>).extra).toBe(1);
      }
    });
  }
  test('Blob is the only async case', () => {
    expect(parseFrame(JSON.stringify(hello))).not.toBeInstanceOf(Promise);
    expect(parseFrame(new Blob(['{}']))).toBeInstanceOf(Promise);
  });
});

describe('parseFrame: kinds', () => {
  test.each([
    ['disconnect warning', { type: 'disconnect', reason: 'warning', debug_info: { host: 'h' } }, 'disconnect'],
    ['disconnect too_many', { type: 'disconnect', reason: 'too_many_websockets', num_connections: 2 }, 'disconnect'],
    ['slash', slash, 'slash_commands'],
    ['interactive', interactive, 'interactive'],
    ['unknown envelope', { envelope_id: 'u-1', type: 'brand_new', payload: { x: 1 } }, 'unknown_envelope'],
    ['hello minimal', { type: 'hello' }, 'hello'],
  ])('%s', (_n, frame, kind) => {
    const r = ok(parseFrame(JSON.stringify(frame)) as ParseResult);
    expect(r.kind).toBe(kind);
  });
  test('accepts_response_payload defaults to false', () => {
    const { accepts_response_payload: _, ...rest } = slash;
    const r = ok(parseText(JSON.stringify(rest)));
    expect(r.kind === 'slash_commands' && r.frame.accepts_response_payload).toBe(false);
  });
});

describe('parseFrame: bad frames never throw and become typed errors', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not json', '{nope', 'not_json'],
    ['empty string', '', 'not_json'],
    ['json number', '42', 'not_object'],
    ['json null', 'null', 'not_object'],
    ['json array', '[1,2]', 'not_object'],
    ['json string', '"hello"', 'not_object'],
    ['no type', '{"a":1}', 'unknown_frame'],
    ['unknown type without envelope_id', '{"type":"weird"}', 'unknown_frame'],
    ['events_api without payload', JSON.stringify({ envelope_id: 'x', type: 'events_api' }), 'schema'],
    ['events_api with empty envelope_id', JSON.stringify({ ...eventsApi, envelope_id: '' }), 'schema'],
    ['events_api numeric envelope_id', JSON.stringify({ ...eventsApi, envelope_id: 5 }), 'schema'],
    [
      'events_api inner event without type',
      JSON.stringify({ ...eventsApi, payload: { event: { text: 'x' } } }),
      'schema',
    ],
    ['interactive without payload type', JSON.stringify({ ...interactive, payload: {} }), 'schema'],
    ['slash payload not object', JSON.stringify({ ...slash, payload: 'x' }), 'schema'],
    ['accepts_response_payload not boolean', JSON.stringify({ ...slash, accepts_response_payload: 'yes' }), 'schema'],
    ['disconnect without reason', '{"type":"disconnect"}', 'schema'],
    ['hello with bad num_connections', '{"type":"hello","num_connections":"2"}', 'schema'],
    ['invalid utf-8 bytes', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'decode_failed'],
    ['unsupported data (number)', 42, 'unsupported_data'],
    ['unsupported data (null)', null, 'unsupported_data'],
    ['unsupported data (object)', { type: 'hello' }, 'unsupported_data'],
  ];
  test.each(cases)('%s', async (_n, data, reason) => {
    const err = bad(await parseFrame(data));
    expect(err.reason).toBe(reason);
  });

  test('oversized frames, in each encoding, are refused before parsing', async () => {
    const big = JSON.stringify({ ...eventsApi, payload: { ...eventsApi.payload, pad: 'x'.repeat(2000) } });
    for (const [name, encode] of encodings) {
      const err = bad(await parseFrame(encode(big), { maxFrameBytes: 1000 }));
      expect(err.reason, name).toBe('too_large');
    }
    // Multi-byte characters count as bytes, not UTF-16 units.
    const wide = JSON.stringify({ type: 'hello', pad: 'é'.repeat(600) });
    expect(wide.length).toBeLessThan(1000);
    expect(bad(parseText(wide, { maxFrameBytes: 1000 })).reason).toBe('too_large');
  });

  test('default limit is 1 MiB', () => {
    const huge = JSON.stringify({ type: 'hello', pad: 'x'.repeat(1024 * 1024) });
    expect(bad(parseText(huge)).reason).toBe('too_large');
    expect(parseText(JSON.stringify({ type: 'hello', pad: 'x'.repeat(1000) })).ok).toBe(true);
  });

  test('raw text is redacted and truncated', () => {
    const token = 'xoxb-1234567890-abcdefghijkl';
    const err = bad(parseText(`{"broken": "${token}" ${'y'.repeat(1000)}`));
    expect(err.raw).not.toContain(token);
    expect(err.raw.length).toBeLessThanOrEqual(201);
    expect(err.message).not.toContain(token);
  });

  test('a long frame: the preview is its redacted start, whatever follows', () => {
    const token = 'xapp-1-A111-1-0123456789abcdef';
    // A token right at the preview's end, and one far beyond it.
    const text = `{"x": ${'y'.repeat(190)} ${token} ${'z'.repeat(1000)} ${token}`;
    const err = bad(parseText(text));
    expect(err.reason).toBe('not_json');
    expect(err.raw.startsWith(`{"x": ${'y'.repeat(190)}`)).toBe(true);
    expect(err.raw).not.toMatch(/0123456789/);
    expect(err.raw.endsWith('…')).toBe(true);
    expect(err.raw.length).toBe(201);
  });
});

describe('parseFrame: limits and defaults', () => {
  // The root object is one level: `pad` nested n deep makes the frame n + 1 deep.
  const nested = (n: number) => `{"type":"hello","pad":${'['.repeat(n)}${']'.repeat(n)}}`;
  test('nesting deeper than 2000 levels is refused before JSON.parse; 2000 is accepted', () => {
    expect(ok(parseText(nested(1999))).kind).toBe('hello');
    const err = bad(parseText(nested(2000)));
    expect(err.reason).toBe('not_json');
    expect(err.details).toContain('2000');
  });
  test('more than 2000 brackets side by side are not nesting (only depth counts)', () => {
    const text = `{"type":"hello","pad":[${'[],'.repeat(2500)}[]]}`;
    expect(ok(parseText(text)).frame.pad).toHaveLength(2501);
  });
  test('brackets inside strings, after escaped quotes, do not count as nesting', () => {
    // In the text: an escaped backslash, an escaped quote, 6000 brackets, an escaped backslash, all in one string.
    const text = JSON.stringify({ type: 'hello', pad: `\\"${'{['.repeat(3000)}\\`, after: [[[[[[[[[[]]]]]]]]]] });
    expect(text).toContain('"pad":"\\\\\\"{[{[');
    expect(ok(parseText(text)).frame.after).toEqual([[[[[[[[[[]]]]]]]]]]);
  });
  test('envelope_id: 1 to 512 characters', () => {
    const withId = (id: string) => JSON.stringify({ ...slash, envelope_id: id });
    expect(ok(parseText(withId('x'.repeat(512)))).kind).toBe('slash_commands');
    const err = bad(parseText(withId('x'.repeat(513))));
    expect(err.reason).toBe('schema');
    expect(err.details).toContain('envelope_id');
  });
  test('null retry fields become undefined; a null accepts_response_payload is refused', () => {
    const r = ok(parseText(JSON.stringify({ ...eventsApi, retry_attempt: null, retry_reason: null })));
    expect(r.kind === 'events_api' && [r.frame.retry_attempt, r.frame.retry_reason]).toEqual([undefined, undefined]);
    expect(bad(parseText(JSON.stringify({ ...slash, accepts_response_payload: null }))).reason).toBe('schema');
  });
  test('schema details name the failing fields', () => {
    const err = bad(parseText(JSON.stringify({ ...eventsApi, retry_attempt: 'x', payload: { event: { type: 5 } } })));
    expect(err.details).toContain('retry_attempt');
    expect(err.details).toContain('payload.event.type');
    expect(bad(parseText('{"type":"disconnect"}')).details).toContain('reason');
  });
  test('hello and disconnect are handed on as sent: no envelope defaults added', () => {
    const r = ok(parseText('{"type":"disconnect","reason":"warning"}'));
    expect(r.frame).toEqual({ type: 'disconnect', reason: 'warning' });
    expect(Object.keys(r.frame)).toEqual(['type', 'reason']);
  });
});

describe('parseFrame: prototype safety', () => {
  test('__proto__ keys are dropped, not applied', () => {
    const text =
      '{"envelope_id":"p-1","type":"events_api","payload":{"__proto__":{"polluted":true},"event":{"type":"app_mention","__proto__":{"polluted":true}}},"__proto__":{"polluted":true}}';
    const r = ok(parseText(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.frame)).toBe(Object.prototype);
    if (r.kind !== 'events_api') throw new Error('kind');
    expect((r.frame.payload as Record<string, unknown>).polluted).toBeUndefined();
    expect((r.frame.payload.event as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.frame.payload)).toBe(Object.prototype);
  });
  test('constructor/prototype keys are inert data', () => {
    const r = ok(parseText('{"type":"hello","constructor":{"prototype":{"polluted":true}}}'));
    expect(r.kind).toBe('hello');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseFrame: small fuzz', () => {
  test('random mutations never throw', async () => {
    const seeds = [hello, eventsApi, slash, interactive].map((f) => JSON.stringify(f));
    let x = 12345;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const s = seeds[i % seeds.length]!;
      const chars = s.split('');
      for (let k = 0; k < 3; k++)
        chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 128));
      const input = chars.join('');
      const r = await parseFrame(i % 2 ? input : new TextEncoder().encode(input));
      expect(typeof r.ok).toBe('boolean');
    }
  });
});

describe('redact', () => {
  test.each([
    'xapp-1-A111-1-abcdef',
    'xoxb-123-456-abc',
    'xoxp-1-2-3-4',
    'xoxe.xoxp-1-abc',
    'xoxa-2-x',
    'xoxr-9-y',
    'xoxs-1-2',
  ])('%s', (tok) => {
    const out = redact(`token=${tok} trailing`);
    expect(out).not.toContain(tok.slice(5));
    expect(out).toContain('trailing');
  });
  test('wss ticket', () => {
    expect(redact('wss://x/link/?ticket=secret123&app_id=A1')).toBe('wss://x/link/?ticket=[REDACTED]&app_id=A1');
  });
});
