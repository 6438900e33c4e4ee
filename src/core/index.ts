// `socket-mode-anywhere/core`: the core client alone — a complete Socket Mode client (validated frames, acks,
// make-before-break refresh, reconnect loop; one connection) on the standard WebSocket and fetch, for the smallest
// bundle. The package's main entry adds the full SocketModeClient (the core plus its features: pool, dedupe, ping
// liveness, proactive refresh, coalesced writes, deadline warnings, a handler bound), the features themselves,
// the Web API helpers and the backend handlers.
export { CoreClient } from './client.ts';
export type { CoreOptions, DisconnectOptions } from './options.ts';
export type { Feature } from './feature.ts';
export type {
  SocketModeEvents,
  HelloInfo,
  ConnectedEvent,
  GhostConnectionsEvent,
  TooManyWebSocketsEvent,
  ConnectingEvent,
  AuthenticatedEvent,
  ReconnectingEvent,
  DisconnectingEvent,
  DisconnectedEvent,
  ClientState,
  SlackEventArgs,
  EventsApiArgs,
  InnerEventArgs,
  SlashCommandArgs,
  InteractiveArgs,
  UnknownEnvelopeArgs,
} from './types.ts';
export type { AckFn, AckPayload } from './ack-queue.ts';
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
