// valibot schemas for frames from Slack. They check only the fields the client relies on (the cost is per checked
// field, not per field Slack sends); parse.ts then hands on Slack's own object, which passed them, so nothing
// Slack adds is lost and no event field is copied.
import * as v from 'valibot';

const num = v.optional(v.number());
const str = v.optional(v.string());
const debugInfo = v.optional(v.object({ host: str, build_number: num, approximate_connection_time: num }));
const connectionInfo = v.optional(v.object({ app_id: str }));

export const HelloSchema = v.object({
  type: v.literal('hello'),
  num_connections: num,
  debug_info: debugInfo,
  connection_info: connectionInfo,
});

export const DisconnectSchema = v.object({
  type: v.literal('disconnect'),
  reason: v.string(),
  num_connections: num,
  debug_info: debugInfo,
  connection_info: connectionInfo,
});

const envelopeCommon = {
  envelope_id: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  accepts_response_payload: v.optional(v.boolean()),
  // Tolerant where we rely on nothing: a null here must not cost the envelope its ack (parse.ts drops it).
  retry_attempt: v.nullish(v.number()),
  retry_reason: v.nullish(v.string()),
};

export const InnerEventSchema = v.object({ type: v.string() });

export const EventsApiSchema = v.object({
  ...envelopeCommon,
  type: v.literal('events_api'),
  payload: v.object({ type: str, event_id: str, event: v.optional(InnerEventSchema) }),
});

export const SlashCommandsSchema = v.object({
  ...envelopeCommon,
  type: v.literal('slash_commands'),
  payload: v.object({ command: str, response_url: str }),
});

export const InteractiveSchema = v.object({
  ...envelopeCommon,
  type: v.literal('interactive'),
  payload: v.object({ type: v.string(), response_url: str }),
});

/** An envelope of a type this client does not know: surfaced (with ack), never dropped. */
export const UnknownEnvelopeSchema = v.object({ ...envelopeCommon, type: v.string() });

// The frame types are written out (not inferred from the schemas) so the public API has explicit types —
// JSR requires it, and they read better in editors. `satisfies` below keeps schemas and types in step.
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

// Compile-time proof that each schema's output, once parse.ts has settled its defaults, is its declared type.
type Settled<T> = Omit<T, 'accepts_response_payload' | 'retry_attempt' | 'retry_reason'> & {
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
};
type Out<S extends v.GenericSchema> = Settled<v.InferOutput<S>>;
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
