// Property-based fuzzing (fast-check) of everything a frame can be: arbitrary text and bytes, and near-valid
// frames (valid envelopes, mutated: wrong types, missing fields, huge strings, deep nesting, `__proto__` /
// `constructor` keys, duplicate keys, truncation, invalid UTF-8 in binary frames), in every encoding a runtime
// hands over (string, ArrayBuffer, Uint8Array, Buffer, Blob, ws fragments) plus hostile non-frames.
//
// 1. parseFrame: never throws (nor rejects, for Blob), answers a typed MalformedFrameError or a frame that
//    passes its schema, and never touches a prototype.
// 2. A live client behind the simulator (sendRaw over a real socket): user code only ever sees schema-valid
//    envelopes, prototypes stay clean, and the next valid envelope is still acked with its payload.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as v from 'valibot';
import WebSocket from 'ws';
import {
  MalformedFrameError,
  SocketModeClient,
  parseFrame,
  type ParseResult,
  type SlackEventArgs,
  type SocketModeOptions,
} from '../src/index.ts';
import {
  DisconnectSchema,
  EventsApiSchema,
  HelloSchema,
  InteractiveSchema,
  SlashCommandsSchema,
  UnknownEnvelopeSchema,
  fits,
} from '../src/core/schemas.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { captureLogger } from './helpers/client-harness.ts';
import { watchFalseAlarms, type FalseAlarms } from './helpers/false-alarms.ts';
import { until } from './helpers/wait.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const MAX_FRAME = 64 * 1024; // small limit, so "huge" inputs are cheap and still cross it

// ------------------------------------------------------------------ arbitraries

const short = fc.string({ maxLength: 24 });
const jsonish = fc.jsonValue({ maxDepth: 3 });

const eventsApi = fc.record({
  envelope_id: fc.uuid(),
  type: fc.constant('events_api'),
  accepts_response_payload: fc.boolean(),
  retry_attempt: fc.nat(3),
  retry_reason: short,
  payload: fc.record({
    type: fc.constant('event_callback'),
    event_id: short.map((s) => `Ev${s}`),
    event: fc.record({ type: fc.constantFrom('app_mention', 'message', 'reaction_added', 'x'), text: short }),
  }),
});
const slash = fc.record({
  envelope_id: fc.uuid(),
  type: fc.constant('slash_commands'),
  accepts_response_payload: fc.constant(true),
  payload: fc.record({ command: short.map((s) => `/${s}`), text: short, response_url: fc.webUrl() }),
});
const interactive = fc.record({
  envelope_id: fc.uuid(),
  type: fc.constant('interactive'),
  accepts_response_payload: fc.constant(true),
  payload: fc.record({
    type: fc.constantFrom('block_actions', 'view_submission', 'shortcut'),
    actions: fc.array(fc.record({ value: short }), { maxLength: 2 }),
  }),
});
const envelope = fc.oneof(eventsApi, slash, interactive) as fc.Arbitrary<Record<string, any>>;

const PATHS = [
  ['envelope_id'],
  ['type'],
  ['payload'],
  ['accepts_response_payload'],
  ['retry_attempt'],
  ['retry_reason'],
  ['payload', 'type'],
  ['payload', 'event_id'],
  ['payload', 'event'],
  ['payload', 'event', 'type'],
  ['payload', 'command'],
  ['payload', 'response_url'],
  ['payload', 'actions'],
];
type Mutation =
  | { op: 'delete'; path: string[] }
  | { op: 'set'; path: string[]; value: unknown }
  | { op: 'huge'; path: string[]; size: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof<fc.Arbitrary<Mutation>[]>(
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('set' as const), path: fc.constantFrom(...PATHS), value: jsonish }),
  fc.record({
    op: fc.constant('set' as const),
    path: fc.constantFrom(['type'], ['payload', 'type']),
    value: fc.constantFrom(
      'hello',
      'events_api',
      'slash_commands',
      'interactive',
      'block_actions',
      'something_new',
      '',
      5,
      null,
      true,
      [],
      {},
    ),
  }),
  fc.record({
    op: fc.constant('huge' as const),
    path: fc.constantFrom(['envelope_id'], ['payload', 'text'], ['retry_reason']),
    size: fc.constantFrom(600, 5_000, MAX_FRAME - 200, MAX_FRAME + 10),
  }),
);

function applyMutation(obj: Record<string, any>, m: Mutation): void {
  let target: any = obj;
  for (const key of m.path.slice(0, -1)) {
    if (target === null || typeof target !== 'object') return;
    target = target[key];
  }
  if (target === null || typeof target !== 'object') return;
  const last = m.path[m.path.length - 1]!;
  if (m.op === 'delete') delete target[last];
  else if (m.op === 'set') target[last] = m.value;
  else target[last] = 'x'.repeat(m.size);
}

type TextOp = 'none' | 'proto-top' | 'proto-payload' | 'constructor' | 'duplicate-type' | 'deep' | 'truncate';
const PROTO = '"__proto__":{"polluted":"yes","toString":1},';
function applyTextOp(text: string, op: TextOp, n: number): string {
  switch (op) {
    case 'proto-top':
      return text.replace(/^\{/, `{${PROTO}`);
    case 'proto-payload':
      return text.replace('"payload":{', `"payload":{${PROTO}"event":{${PROTO}"type":"message"},`);
    case 'constructor':
      return text.replace(/^\{/, '{"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},');
    case 'duplicate-type':
      return text.replace(/\}$/, ',"type":"hello","__proto__":null}');
    case 'deep': {
      const d = 10 + (n % 3) * 4000; // 10, 4010 or 8010 levels
      return text.replace('"payload":{', `"payload":{"deep":${'{"a":'.repeat(d)}1${'}'.repeat(d)},`);
    }
    case 'truncate':
      return text.slice(0, Math.max(0, text.length - 1 - (n % text.length)));
    default:
      return text;
  }
}

const textOp = fc.constantFrom<TextOp>(
  'none',
  'none',
  'proto-top',
  'proto-payload',
  'constructor',
  'duplicate-type',
  'deep',
  'truncate',
);
const INVALID_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe2, 0x82]];

/** A near-valid frame: a valid envelope, 0–3 mutations, one text-level twist. */
const nearValidText = fc
  .tuple(envelope, fc.array(mutation, { maxLength: 3 }), textOp, fc.nat())
  .map(([env, muts, op, n]) => {
    const obj = structuredClone(env);
    for (const m of muts) applyMutation(obj, m);
    return applyTextOp(JSON.stringify(obj), op, n);
  });

/** Any text at all. */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json(),
  jsonish.map((x) => JSON.stringify(x)),
  fc.constantFrom(
    '',
    ' ',
    '{}',
    '[]',
    'null',
    '{"type":null}',
    '{"type":"events_api","envelope_id":{}}',
    '\u0000',
    '\ud800',
  ),
);

type WireFrame = { data: string | Uint8Array; binary: boolean; text?: string };
/** What a socket can carry: text, or bytes (valid UTF-8 or not). */
const wireFrame: fc.Arbitrary<WireFrame> = fc.oneof(
  { weight: 3, arbitrary: nearValidText.map((t) => ({ data: t, binary: false, text: t })) },
  { weight: 2, arbitrary: nearValidText.map((t) => ({ data: new TextEncoder().encode(t), binary: true, text: t })) },
  {
    weight: 2,
    arbitrary: fc.tuple(nearValidText, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([t, bad, at]) => {
      const bytes = new TextEncoder().encode(t);
      const i = at % (bytes.length + 1);
      return { data: new Uint8Array([...bytes.subarray(0, i), ...bad, ...bytes.subarray(i)]), binary: true };
    }),
  },
  { weight: 1, arbitrary: anyText.map((t) => ({ data: t, binary: false, text: t })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: b, binary: true })) },
);

const ENCODINGS = ['as-is', 'ArrayBuffer', 'Buffer', 'Blob', 'fragments', 'offset-view'] as const;
function encode(f: WireFrame, how: (typeof ENCODINGS)[number]): unknown {
  const bytes = typeof f.data === 'string' ? new TextEncoder().encode(f.data) : f.data;
  switch (how) {
    case 'as-is':
      return f.data;
    case 'ArrayBuffer':
      return bytes.slice().buffer;
    case 'Buffer':
      return Buffer.from(bytes);
    case 'Blob':
      return new Blob([bytes as Uint8Array<ArrayBuffer>]);
    case 'fragments': {
      const cut = Math.floor(bytes.length / 2);
      return [Buffer.from(bytes.subarray(0, cut)), Buffer.from(bytes.subarray(cut))];
    }
    case 'offset-view': {
      const padded = new Uint8Array(bytes.length + 8);
      padded.set(bytes, 4);
      return padded.subarray(4, 4 + bytes.length);
    }
  }
}

const hostile = fc.constantFrom<unknown>(
  undefined,
  null,
  42,
  12n,
  Symbol('frame'),
  () => 'frame',
  { toString: () => '{"type":"hello"}' },
  { data: '{"type":"hello"}' },
  [1, 2, 3],
  [new Uint8Array([123]), 'not a view'],
  new Proxy(
    {},
    {
      get: () => {
        throw new Error('hostile get');
      },
      getPrototypeOf: () => {
        throw new Error('hostile proto');
      },
    },
  ),
  new Proxy(new Uint8Array([123, 125]), {
    get: () => {
      throw new Error('hostile view');
    },
  }),
  Object.create(null),
  new Date(0),
  new Map([['type', 'hello']]),
);

// ------------------------------------------------------------------ checks

const SCHEMAS = {
  hello: HelloSchema,
  disconnect: DisconnectSchema,
  events_api: EventsApiSchema,
  slash_commands: SlashCommandsSchema,
  interactive: InteractiveSchema,
  unknown_envelope: UnknownEnvelopeSchema,
} as const;

const PROTOS: Array<[string, object]> = [
  ['Object', Object.prototype],
  ['Array', Array.prototype],
  ['Function', Function.prototype],
  ['String', String.prototype],
];
const protoSnapshot = (): string =>
  PROTOS.map(([n, p]) => `${n}:${Reflect.ownKeys(p).map(String).sort().join(',')}`).join('|');
const PROTO_BEFORE = protoSnapshot();
function expectCleanPrototypes(): void {
  expect(protoSnapshot()).toBe(PROTO_BEFORE);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype.toString.call({})).toBe('[object Object]');
}

/** No object in `x` has an own `__proto__` key or a prototype other than Object.prototype / Array.prototype. */
function expectInert(x: unknown, depth = 0): void {
  if (x === null || typeof x !== 'object' || depth > 50) return;
  const proto = Object.getPrototypeOf(x);
  expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
  expect(Object.prototype.hasOwnProperty.call(x, '__proto__')).toBe(false);
  for (const k of Object.keys(x)) expectInert((x as Record<string, unknown>)[k], depth + 1);
}

function expectWellFormed(r: ParseResult): void {
  expect(typeof r).toBe('object');
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(MalformedFrameError);
    expect(r.error.code).toBe('malformed_frame');
    return;
  }
  const schema = SCHEMAS[r.kind];
  expect(schema, r.kind).toBeDefined();
  const check = v.safeParse(schema as v.GenericSchema, r.frame);
  expect(check.success, `${r.kind}: ${JSON.stringify(check.issues?.[0]?.message)}`).toBe(true);
  expectInert(r.frame);
}

// ------------------------------------------------------------------ 1. the parser

describe('fuzz: parseFrame', () => {
  test('wire frames in every encoding: never throws, typed error or schema-valid frame, prototypes untouched', async () => {
    console.log(`fuzz seed ${SEED} (rerun: FUZZ_SEED=${SEED} npx vitest run test/fuzz.test.ts)`);
    let ok = 0;
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(wireFrame, fc.constantFrom(...ENCODINGS), async (f, how) => {
        let out: ParseResult | Promise<ParseResult>;
        try {
          out = parseFrame(encode(f, how), { maxFrameBytes: MAX_FRAME });
        } catch (e) {
          throw new Error(`parseFrame threw: ${String(e)}`);
        }
        const r = await out; // a Blob's promise must resolve, never reject
        expectWellFormed(r);
        if (r.ok) ok++;
        else bad++;
        expectCleanPrototypes();
      }),
      { numRuns: 1500, seed: SEED },
    );
    // The generator is near-valid, not noise: both outcomes are exercised.
    expect(ok).toBeGreaterThan(50);
    expect(bad).toBeGreaterThan(50);
  });

  // parseText trusts fits() where it says yes (valibot runs only where it says no): it must agree with valibot.
  test('each schema compiled to one predicate (fits) agrees with valibot, on near-valid frames of every type', () => {
    const connection = fc.record(
      {
        type: fc.constantFrom('hello', 'disconnect'),
        reason: fc.oneof(short, jsonish),
        num_connections: fc.oneof(fc.nat(), jsonish),
        debug_info: fc.oneof(
          fc.record(
            { host: fc.oneof(short, jsonish), build_number: fc.nat(), approximate_connection_time: jsonish },
            { requiredKeys: [] },
          ),
          jsonish,
        ),
        connection_info: fc.oneof(fc.record({ app_id: fc.oneof(short, jsonish) }, { requiredKeys: [] }), jsonish),
      },
      { requiredKeys: ['type'] },
    );
    const mutated = fc.tuple(envelope, fc.array(mutation, { maxLength: 3 })).map(([env, ms]) => {
      const obj = structuredClone(env);
      for (const m of ms) applyMutation(obj, m);
      return obj as unknown;
    });
    const compiled = Object.values(SCHEMAS).map((s) => [s, fits(s as v.GenericSchema)] as const);
    let yes = 0;
    let no = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, connection, jsonish), (x) => {
        for (const [schema, fit] of compiled) {
          const want = v.safeParse(schema as v.GenericSchema, x).success;
          expect(fit(x), JSON.stringify(x)?.slice(0, 300)).toBe(want);
          if (want) yes++;
          else no++;
        }
      }),
      { numRuns: 1500, seed: SEED },
    );
    expect(yes).toBeGreaterThan(200);
    expect(no).toBeGreaterThan(200);
  });

  test('hostile non-frames: never throws, always a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (x) => {
        let out: ParseResult | Promise<ParseResult>;
        try {
          out = parseFrame(x);
        } catch (e) {
          throw new Error(`parseFrame threw: ${String(e)}`);
        }
        const r = await out;
        expect(r.ok).toBe(false);
        expectWellFormed(r);
        expectCleanPrototypes();
      }),
      { numRuns: 100, seed: SEED },
    );
  });

  test('oversized input is refused before parsing, whatever its encoding', async () => {
    const big = JSON.stringify({
      envelope_id: 'big',
      type: 'slash_commands',
      payload: { text: 'x'.repeat(MAX_FRAME) },
    });
    for (const how of ENCODINGS) {
      const r = await parseFrame(encode({ data: big, binary: false }, how), { maxFrameBytes: MAX_FRAME });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.reason).toBe('too_large');
    }
  });
});

// ------------------------------------------------------------------ 2. a live client

describe('fuzz: a live client through the simulator', () => {
  let sim: Simulator;
  let client: SocketModeClient;
  const seen: SlackEventArgs[] = [];
  const errors: unknown[] = [];
  let alarms: FalseAlarms;

  beforeAll(async () => {
    sim = await startSimulator();
    const { logger } = captureLogger();
    client = new SocketModeClient({
      appToken: sim.appToken,
      apiUrl: sim.apiUrl,
      WebSocket: WebSocket as unknown as SocketModeOptions['WebSocket'],
      logger,
      maxFrameBytes: MAX_FRAME,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    client.on('slack_event', (args) => {
      seen.push(args);
      const body = args.body as { text?: unknown } | undefined;
      return args.ack(args.type === 'slash_commands' ? { text: `echo ${String(body?.text)}` } : undefined);
    });
    client.on('error', (e) => void errors.push(e));
    // Replacements that were not needed: a liveness verdict on a socket the simulator never made dead.
    alarms = watchFalseAlarms(client, sim);
    await client.start();
  });
  afterAll(async () => {
    await client?.disconnect();
    await sim?.close();
  });

  test('garbage never reaches user code; the next valid envelope is still acked with its payload', async () => {
    let n = 0;
    let malformed = 0;
    let delivered = 0;
    await fc.assert(
      fc.asyncProperty(wireFrame, async (f) => {
        // A fuzzed frame that happens to be a valid `disconnect` would legitimately end or rotate the
        // connection; those are covered by the client suite, so they are not sent here.
        const pre = await parseFrame(f.data, { maxFrameBytes: MAX_FRAME });
        fc.pre(!(pre.ok && pre.kind === 'disconnect'));
        const before = seen.length;
        const errorsBefore = errors.length;
        sim.sendRaw(f.data, { binary: f.binary });
        const marker = `marker-${++n}`;
        const env = sim.inject('slash_command', { text: marker });
        const ack = await sim.waitForAck(env.envelope_id, 5000);
        expect(ack.payload).toEqual({ text: `echo ${marker}` });

        // Everything user code got since: schema-valid envelopes, each once, the marker last.
        const got = seen.slice(before);
        expect(got.at(-1)?.envelope_id).toBe(env.envelope_id);
        for (const a of got) {
          const frame = {
            envelope_id: a.envelope_id,
            type: a.type,
            accepts_response_payload: a.accepts_response_payload,
            ...(a.retry_num !== undefined ? { retry_attempt: a.retry_num } : {}),
            ...(a.retry_reason !== undefined ? { retry_reason: a.retry_reason } : {}),
            payload: a.body,
          };
          const schema = SCHEMAS[(a.type in SCHEMAS ? a.type : 'unknown_envelope') as keyof typeof SCHEMAS];
          expect(v.safeParse(schema as v.GenericSchema, frame).success, JSON.stringify(frame).slice(0, 300)).toBe(true);
          expectInert(a.body);
        }
        // What the parser refused was reported as a MalformedFrameError, and only that.
        if (!pre.ok) {
          malformed++;
          await until(() => errors.length > errorsBefore, 2000, 'malformed frame reported');
          expect(errors.slice(errorsBefore).every((e) => e instanceof MalformedFrameError)).toBe(true);
        } else if (pre.kind !== 'hello') delivered++;
        expectCleanPrototypes();
      }),
      { numRuns: 250, seed: SEED },
    );
    expect(malformed).toBeGreaterThan(20);
    expect(delivered).toBeGreaterThan(5);
    expect(client.connectionCount).toBe(1);
    expect(sim.badClientFrames).toBe(0);
    expect(alarms.unneeded()).toEqual([]);
  });
});
