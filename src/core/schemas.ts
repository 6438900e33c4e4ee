// valibot schemas for frames from Slack. They check only the fields the client relies on (the cost is per checked
// field, not per field Slack sends); parse.ts then hands on Slack's own object, which passed them, so nothing
// Slack adds is lost and no event field is copied.
import * as v from 'valibot';

// Each valibot function used adds its own code to every bundle (string(), number(), boolean(), literal(),
// pipe() + minLength() … 200–300 bytes apiece), so the schemas use three: object, optional, and custom for
// every value, which all value checks share.
interface Types {
  string: string;
  number: number;
  boolean: boolean;
}
const is = <K extends keyof Types>(type: K) => v.custom<Types[K]>((x) => typeof x === type, `Expected ${type}`);

const string = is('string');
// Optional fields: absent, or of their type.
const str = v.optional(string);
const num = v.optional(is('number'));

/** A schema as one predicate: see fits(). */
export type Predicate = (x: unknown) => boolean;

type Node = { type: string; check?: Predicate; wrapped?: Node; entries?: Record<string, Node> };

/**
 * `schema` as one plain predicate that is true only where valibot's own run finds no issue: an object whose keys
 * are present (optional ones may be absent) and whose values fit; an optional's undefined or its value; a custom's
 * check. Any other kind is "no" (valibot decides). parse.ts asks valibot only about a frame this refuses (for its
 * issues), so a valid frame skips valibot's result object per field: ~0.4-0.5 µs a frame on Node, Deno and Bun.
 * (These schemas give no optional a default; one with a default would still fit, its default being valid.)
 */
export function fits(schema: v.GenericSchema): Predicate {
  const { type, check, wrapped, entries } = schema as unknown as Node;
  if (type === 'custom') return check!;
  if (type === 'optional') {
    const inner = fits(wrapped as never);
    return (x) => x === undefined || inner(x);
  }
  if (type !== 'object') return () => false;
  // valibot reads a key through `in` too (inherited keys count) and skips an absent optional one.
  const fields = Object.keys(entries!).map(
    (k) => [k, fits(entries![k] as never), entries![k]!.type === 'optional'] as const,
  );
  return (x) =>
    !!x &&
    typeof x === 'object' &&
    fields.every(([k, f, opt]) => (opt || k in x) && f((x as Record<string, unknown>)[k]));
}

/** Each frame type the client knows, by `type`: its schema and that schema as one predicate (parse.ts). */
export const FRAME_SCHEMAS = new Map<unknown, [v.GenericSchema, Predicate]>();

/** The schema of frames of one `type`, registered in FRAME_SCHEMAS. */
function frame<T extends string, E extends v.ObjectEntries>(type: T, entries: E) {
  const schema = v.object({ ...entries, type: v.custom<T>((x) => x === type, `Expected "${type}"`) });
  FRAME_SCHEMAS.set(type, [schema, fits(schema)]);
  return schema;
}

/** What hello and disconnect both carry. */
const connectionFields = {
  num_connections: num,
  debug_info: v.optional(v.object({ host: str, build_number: num, approximate_connection_time: num })),
  connection_info: v.optional(v.object({ app_id: str })),
};

export const HelloSchema = frame('hello', connectionFields);

export const DisconnectSchema = frame('disconnect', { reason: string, ...connectionFields });

// parse.ts settles the defaults before these run: a missing accepts_response_payload is false, a null retry
// field undefined (a null where we rely on nothing must not cost the envelope its ack).
const envelopeCommon = {
  // The ack echoes it back; Slack's are UUIDs.
  envelope_id: v.custom<string>(
    (x) => typeof x === 'string' && x.length > 0 && x.length <= 512,
    'Expected 1 to 512 characters',
  ),
  accepts_response_payload: is('boolean'),
  retry_attempt: num,
  retry_reason: str,
};

export const InnerEventSchema = v.object({ type: string });

export const EventsApiSchema = frame('events_api', {
  ...envelopeCommon,
  payload: v.object({ type: str, event_id: str, event: v.optional(InnerEventSchema) }),
});

export const SlashCommandsSchema = frame('slash_commands', {
  ...envelopeCommon,
  payload: v.object({ command: str, response_url: str }),
});

export const InteractiveSchema = frame('interactive', {
  ...envelopeCommon,
  payload: v.object({ type: string, response_url: str }),
});

/** An envelope of a type this client does not know: surfaced (with ack), never dropped. */
export const UnknownEnvelopeSchema = v.object({ ...envelopeCommon, type: string });
export const UNKNOWN_ENVELOPE: [v.GenericSchema, Predicate] = [UnknownEnvelopeSchema, fits(UnknownEnvelopeSchema)];

// The frame types are written out (not inferred from the schemas) so the public API has explicit types —
// JSR requires it, and they read better in editors. SchemaChecks below keeps schemas and types in step.
export interface DebugInfo {
  host?: string;
  build_number?: number;
  /** Seconds Slack expects to keep this connection. */
  approximate_connection_time?: number;
  [key: string]: unknown;
}
export interface ConnectionInfo {
  app_id?: string;
  [key: string]: unknown;
}
export interface HelloFrame {
  type: 'hello';
  num_connections?: number;
  debug_info?: DebugInfo;
  connection_info?: ConnectionInfo;
  [key: string]: unknown;
}
export interface DisconnectFrame {
  type: 'disconnect';
  reason: string;
  num_connections?: number;
  debug_info?: DebugInfo;
  connection_info?: ConnectionInfo;
  [key: string]: unknown;
}
interface EnvelopeCommon {
  envelope_id: string;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
  [key: string]: unknown;
}
export interface InnerEvent {
  type: string;
  [key: string]: unknown;
}
export interface EventsApiEnvelope extends EnvelopeCommon {
  type: 'events_api';
  payload: { type?: string; event_id?: string; event?: InnerEvent; [key: string]: unknown };
}
export interface SlashCommandsEnvelope extends EnvelopeCommon {
  type: 'slash_commands';
  payload: { command?: string; response_url?: string; [key: string]: unknown };
}
export interface InteractiveEnvelope extends EnvelopeCommon {
  type: 'interactive';
  payload: { type: string; response_url?: string; [key: string]: unknown };
}
export interface UnknownEnvelopeFrame extends EnvelopeCommon {
  type: string;
  payload?: unknown;
}

// Compile-time proof that each schema's output is its declared type.
type Out<S extends v.GenericSchema> = v.InferOutput<S>;
type Assert<T extends true> = T;
type Fits<A, B> = A extends B ? true : false;
export type SchemaChecks = [
  Assert<Fits<Out<typeof HelloSchema>, HelloFrame>>,
  Assert<Fits<Out<typeof DisconnectSchema>, DisconnectFrame>>,
  Assert<Fits<Out<typeof EventsApiSchema>, EventsApiEnvelope>>,
  Assert<Fits<Out<typeof SlashCommandsSchema>, SlashCommandsEnvelope>>,
  Assert<Fits<Out<typeof InteractiveSchema>, InteractiveEnvelope>>,
  Assert<Fits<Out<typeof UnknownEnvelopeSchema>, UnknownEnvelopeFrame>>,
];

export type Envelope = EventsApiEnvelope | SlashCommandsEnvelope | InteractiveEnvelope | UnknownEnvelopeFrame;
export type Frame = HelloFrame | DisconnectFrame | Envelope;
