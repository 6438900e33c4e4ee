// valibot schemas for frames from Slack. Loose objects everywhere: Slack adds fields and we pass them
// through; strict only on the fields the client itself relies on.
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
  retry_attempt: v.optional(v.number()),
  retry_reason: v.optional(v.string()),
};

export const InnerEventSchema = v.looseObject({ type: v.string() });

export const EventsApiSchema = v.looseObject({
  ...envelopeCommon,
  type: v.literal('events_api'),
  payload: v.looseObject({
    type: v.optional(v.string()),
    event_id: v.optional(v.string()),
    event: v.optional(InnerEventSchema),
  }),
});

export const SlashCommandsSchema = v.looseObject({
  ...envelopeCommon,
  type: v.literal('slash_commands'),
  payload: v.looseObject({
    command: v.optional(v.string()),
    response_url: v.optional(v.string()),
  }),
});

export const InteractiveSchema = v.looseObject({
  ...envelopeCommon,
  type: v.literal('interactive'),
  payload: v.looseObject({
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

export type HelloFrame = v.InferOutput<typeof HelloSchema>;
export type DisconnectFrame = v.InferOutput<typeof DisconnectSchema>;
export type EventsApiEnvelope = v.InferOutput<typeof EventsApiSchema>;
export type SlashCommandsEnvelope = v.InferOutput<typeof SlashCommandsSchema>;
export type InteractiveEnvelope = v.InferOutput<typeof InteractiveSchema>;
export type UnknownEnvelopeFrame = v.InferOutput<typeof UnknownEnvelopeSchema>;
export type InnerEvent = v.InferOutput<typeof InnerEventSchema>;

export type Envelope = EventsApiEnvelope | SlashCommandsEnvelope | InteractiveEnvelope | UnknownEnvelopeFrame;
export type Frame = HelloFrame | DisconnectFrame | Envelope;
