// The client's public event and argument types: what each event's handlers receive.
import type { AckFn } from './ack-queue.ts';
import type { SocketModeError } from './errors.ts';
import type { HelloFrame, InnerEvent } from './schemas.ts';

export interface HelloInfo {
  connection_id: string;
  slot: number;
  num_connections: number | undefined;
  debug_info: HelloFrame['debug_info'];
  connection_info: HelloFrame['connection_info'];
}

export interface ConnectedEvent extends HelloInfo {
  /** The connection this one replaced (make-before-break), if any. */
  replaced: string | undefined;
  /** Sockets this client holds open (any state short of closed), this one included. */
  held: number;
  /** num_connections − held when positive: connections Slack counts that this client does not hold. */
  ghosts: number;
}

/**
 * Slack's hello counts more connections for the app than this client holds: stale sockets Slack has not
 * noticed are gone (e.g. behind NAT), or another process using the same app. Each takes a share of the
 * envelopes, and all count against Slack's cap of 10.
 */
export interface GhostConnectionsEvent {
  connection_id: string;
  slot: number;
  num_connections: number;
  held: number;
  ghosts: number;
}

/** Slack refused a connection: the app already has its maximum. The slot backs off (and every open waits). */
export interface TooManyWebSocketsEvent {
  slot: number;
  connection_id: string;
  /** As Slack reported it, if it did. */
  num_connections: number | undefined;
  held: number;
  delayMs: number;
}

interface EnvelopeArgsBase<T extends string, B> {
  /** Ack once; a string payload becomes `{text}`. Rejects with AckTooLargeError over 20 KB. */
  ack: AckFn;
  envelope_id: string;
  type: T;
  body: B;
  retry_num: number | undefined;
  retry_reason: string | undefined;
  accepts_response_payload: boolean;
  /** The client's id for the connection this envelope arrived on. */
  connection_id: string;
}

export type EventsApiArgs = EnvelopeArgsBase<
  'events_api',
  Record<string, unknown> & { event_id?: string; event?: InnerEvent }
> & {
  event: InnerEvent | undefined;
};
/** Handlers registered under an inner event type (`app_mention`, `message`, …) always get the event. */
export type InnerEventArgs = EventsApiArgs & { event: InnerEvent };
export type SlashCommandArgs = EnvelopeArgsBase<'slash_commands', Record<string, unknown> & { command?: string }>;
export type InteractiveArgs = EnvelopeArgsBase<'interactive', Record<string, unknown> & { type: string }>;
export type UnknownEnvelopeArgs = EnvelopeArgsBase<string, unknown>;
export type SlackEventArgs = (EventsApiArgs | SlashCommandArgs | InteractiveArgs | UnknownEnvelopeArgs) & {
  event?: InnerEvent | undefined;
};

export interface ConnectingEvent {
  slot: number;
  attempt: number;
}
export interface AuthenticatedEvent {
  slot: number;
  connection_id: string;
}
export interface ReconnectingEvent {
  slot: number;
  /** Why: 'refresh_requested', 'warning', 'rotate', 'pong_timeout', 'closed', 'open_failed', … */
  reason: string;
  /** 0 for make-before-break replacements. */
  delayMs: number;
  attempt: number;
  makeBeforeBreak: boolean;
}
export interface DisconnectingEvent {
  reason: string;
}
export interface DisconnectedEvent {
  reason: string;
  /** false once the client has stopped; true when it lost its last live connection and is recovering. */
  willReconnect: boolean;
  error?: SocketModeError;
}

/** Events with fixed payload types. Any other name is an events_api inner event type (EventsApiArgs). */
export interface SocketModeEvents {
  slack_event: SlackEventArgs;
  slash_commands: SlashCommandArgs;
  interactive: InteractiveArgs;
  unknown_envelope: UnknownEnvelopeArgs;
  connecting: ConnectingEvent;
  authenticated: AuthenticatedEvent;
  connected: ConnectedEvent;
  reconnecting: ReconnectingEvent;
  disconnecting: DisconnectingEvent;
  disconnected: DisconnectedEvent;
  ghost_connections: GhostConnectionsEvent;
  too_many_websockets: TooManyWebSocketsEvent;
  error: SocketModeError;
}

export type ClientState = 'idle' | 'starting' | 'connected' | 'reconnecting' | 'disconnecting' | 'disconnected';
