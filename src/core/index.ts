// `socket-mode-anywhere/core`: the core client alone — a complete Socket Mode client (validated frames, acks,
// make-before-break refresh, reconnect loop; one connection) on the standard WebSocket and fetch, for the smallest bundle.
// The package's main entry adds a connection pool, dedupe, ping liveness, proactive refresh, coalesced writes, deadline warnings
// and a handler bound (../client.ts), plus the Web API helpers and the connection-URL backend.
export {
  SocketModeClient,
  type CoreOptions,
  type CoreOptions as SocketModeOptions,
  type SocketModeEvents,
  type HelloInfo,
  type ConnectedEvent,
  type GhostConnectionsEvent,
  type TooManyWebSocketsEvent,
  type ConnectingEvent,
  type AuthenticatedEvent,
  type ReconnectingEvent,
  type DisconnectingEvent,
  type DisconnectedEvent,
  type DisconnectOptions,
  type ClientState,
  type SlackEventArgs,
  type EventsApiArgs,
  type InnerEventArgs,
  type SlashCommandArgs,
  type InteractiveArgs,
  type UnknownEnvelopeArgs,
  MAX_SLACK_CONNECTIONS,
} from './client.ts';
export { MAX_ACK_BYTES, ACK_DEADLINE_MS, type AckFn, type AckPayload } from './ack-queue.ts';
export type { BackoffOptions } from './backoff.ts';
export {
  SocketModeError,
  InvalidTokenError,
  InvalidOptionsError,
  InsecureUrlError,
  NoWebSocketError,
  MalformedFrameError,
  SlackApiError,
  RateLimitedError,
  HttpError,
  NetworkError,
  AckTooLargeError,
  AckError,
  LinkDisabledError,
  HandlerError,
  ConnectionError,
  DisconnectedError,
  type SocketModeErrorCode,
  type MalformedFrameReason,
} from './errors.ts';
export { LogLevel, type Logger } from './logger.ts';
export { parseFrame, type ParseResult, type ParsedFrame } from './parse.ts';
export type { Frame, Envelope, HelloFrame, DisconnectFrame, InnerEvent } from './schemas.ts';
export type { FetchLike } from './web-api.ts';
// A page gets each one-time wss:// URL from its backend (the token never enters the page).
export { connectionUrlFrom } from '../backend/connection-url.ts';
export type { WebSocketLike, WebSocketConstructor } from '../transport/websocket.ts';
export type { HealthReport, ConnectionHealth, HealthOptions } from './health.ts';
