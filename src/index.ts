// The whole public API, runtime neutral. The default WebSocket is globalThis.WebSocket; Node 20 users get
// isomorphic-ws registered by the node entry (src/platform/node.ts). `socket-mode-anywhere/core`
// (src/core/index.ts) is the core client alone, for the smallest bundle.
export { SocketModeClient, type SocketModeOptions } from './client.ts';
export {
  type CoreOptions,
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
  type ClientState,
  type SlackEventArgs,
  type EventsApiArgs,
  type InnerEventArgs,
  type SlashCommandArgs,
  type InteractiveArgs,
  type UnknownEnvelopeArgs,
  MAX_SLACK_CONNECTIONS,
  DEFAULT_CONNECTIONS,
} from './core/client.ts';
export { MAX_ACK_BYTES, ACK_DEADLINE_MS, type AckFn, type AckPayload } from './core/ack-queue.ts';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './core/backoff.ts';
export {
  MemoryDedupeStore,
  DurableObjectDedupeStore,
  durableObjectDedupeStore,
  DEFAULT_DEDUPE_TTL_MS,
  type DedupeStore,
  type MemoryDedupeOptions,
  type DurableObjectStorageLike,
  type DurableObjectDedupeOptions,
} from './features/dedupe.ts';
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
  DedupeError,
  HandlerQueueFullError,
  type SocketModeErrorCode,
  type MalformedFrameReason,
} from './core/errors.ts';
export { ConsoleLogger, LogLevel, redactingLogger, type Logger } from './core/logger.ts';
export { parseFrame, parseText, DEFAULT_MAX_FRAME_BYTES, type ParseResult, type ParsedFrame, type ParseOptions } from './core/parse.ts';
export type {
  Frame,
  Envelope,
  HelloFrame,
  DisconnectFrame,
  EventsApiEnvelope,
  SlashCommandsEnvelope,
  InteractiveEnvelope,
  UnknownEnvelopeFrame,
  InnerEvent,
} from './core/schemas.ts';
export { redact } from './core/redact.ts';
export { isLoopbackHost, assertSecureUrl } from './core/url.ts';
export {
  callApi,
  openConnectionUrl,
  respond,
  parseRetryAfter,
  DEFAULT_API_URL,
  FATAL_OPEN_ERRORS,
  type CallApiOptions,
  type SlackApiResponse,
  type RespondMessage,
  type FetchLike,
} from './core/web-api.ts';
export {
  setDefaultWebSocket,
  resolveWebSocket,
  detectPing,
  type WebSocketLike,
  type WebSocketConstructor,
} from './transport/websocket.ts';
export {
  createConnectionUrlHandler,
  connectionUrlFrom,
  type ConnectionUrlHandlerOptions,
} from './backend/connection-url.ts';
