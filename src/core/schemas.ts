// valibot schemas for frames from Slack. hello/disconnect: loose objects (Slack adds fields; we pass them
// through). Envelopes: plain (stripping) objects that check only the fields the client relies on, so the cost
// is per checked field, not per field Slack sends; parse.ts then hands user code Slack's own payload object,
// which passed these checks (no copy of every event field on every envelope).
import * as v from 'valibot';

const debugInfo = v.looseObject({
  host: v.optional(v.string()),
  build_number: v.optional(v.number()),
  approximate_connection_time: v.optional(v.number()),
});
const connectionInfo = v.looseObject({ app_id: v.optional(v.string()) });

export const HelloSchema = v.looseObject({
  type: v.literal('hello'),
  num_connections: v.optional(v.number()),
  debug_info: v.optional(debugInfo),
  connection_info: v.optional(connectionInfo),
});

export const DisconnectSchema = v.looseObject({
  type: v.literal('disconnect'),
  reason: v.string(),
  num_connections: v.optional(v.number()),
  debug_info: v.optional(debugInfo),
  connection_info: v.optional(connectionInfo),
});

const envelopeId = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
const envelopeCommon = {
  envelope_id: envelopeId,
  accepts_response_payload: v.optional(v.boolean(), false),
  // Tolerant where we rely on nothing: a null here must not cost the envelope its ack.
  retry_attempt: v.optional(v.pipe(v.nullable(v.number()), v.transform((x) => x ?? undefined))),
  retry_reason: v.optional(v.pipe(v.nullable(v.string()), v.transform((x) => x ?? undefined))),
};

export const InnerEventSchema = v.object({ type: v.string() });

export const EventsApiSchema = v.object({
  ...envelopeCommon,
  type: v.literal('events_api'),
  payload: v.object({
    type: v.optional(v.string()),
    event_id: v.optional(v.string()),
    event: v.optional(InnerEventSchema),
  }),
});

export const SlashCommandsSchema = v.object({
  ...envelopeCommon,
  type: v.literal('slash_commands'),
  payload: v.object({
    command: v.optional(v.string()),
    response_url: v.optional(v.string()),
  }),
});

export const InteractiveSchema = v.object({
  ...envelopeCommon,
  type: v.literal('interactive'),
  payload: v.object({
    type: v.string(),
    response_url: v.optional(v.string()),
  }),
});

/** An envelope of a type this client does not know: surfaced (with ack), never dropped. */
export const UnknownEnvelopeSchema = v.looseObject({
  ...envelopeCommon,
  type: v.string(),
  payload: v.optional(v.unknown()),
});

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
