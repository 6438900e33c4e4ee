// The whole public API, runtime neutral. The default WebSocket is globalThis.WebSocket; Node 20 users get
// isomorphic-ws registered by the node entry (src/platform/node.ts). Everything the core entry
// (`socket-mode-anywhere/core`, src/core/index.ts) exports, with the full client in place of the core one.
export * from './core/index.ts';
// Explicit exports shadow the core entry's names of the same spelling.
export { SocketModeClient, type SocketModeOptions } from './client.ts';
export { DEFAULT_CONNECTIONS } from './core/client.ts';
export { Backoff, DEFAULT_BACKOFF } from './core/backoff.ts';
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
export { DedupeError, HandlerQueueFullError } from './core/errors.ts';
export { ConsoleLogger, redactingLogger } from './core/logger.ts';
export { parseText, DEFAULT_MAX_FRAME_BYTES, type ParseOptions } from './core/parse.ts';
export type {
  EventsApiEnvelope,
  SlashCommandsEnvelope,
  InteractiveEnvelope,
  UnknownEnvelopeFrame,
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
} from './core/web-api.ts';
export { setDefaultWebSocket, resolveWebSocket, detectPing } from './transport/websocket.ts';
export { createConnectionUrlHandler, type ConnectionUrlHandlerOptions } from './backend/connection-url.ts';
export { createHealthHandler, type HealthHandlerOptions, type HealthProbe } from './backend/health-handler.ts';
export type { HealthReport, ConnectionHealth, HealthOptions } from './core/health.ts';
