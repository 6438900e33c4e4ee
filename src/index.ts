// The whole public API, runtime neutral: what a user calls. The default WebSocket is globalThis.WebSocket; Node 20
// users get isomorphic-ws registered by the node entry (src/platform/node.ts). Internals stay in their modules.
export * from './core/index.ts';
export { SocketModeClient, type SocketModeOptions, type Fleet } from './client.ts';
// Features: the full client chooses these from its options; a CoreClient takes any of them in `features`.
export { pool } from './features/pool.ts';
export { dedupe } from './features/dedupe.ts';
export { pingLiveness, type LivenessOptions } from './features/liveness.ts';
export { handlerBound, type HandlerBoundOptions } from './features/handler-bound.ts';
export { deadlineWarnings } from './features/deadline.ts';
export { proactiveRefresh } from './features/proactive-refresh.ts';
export { ghostWarnings } from './features/ghosts.ts';
export { healthSignal, type HealthSignal } from './features/health-signal.ts';
export { metrics, type Metrics, type MetricsSnapshot } from './features/metrics.ts';
export type { HistogramSnapshot } from './features/metrics-histogram.ts';
export {
  metricsToOpenTelemetry,
  type OpenTelemetryMeter,
  type OpenTelemetryMetricsOptions,
} from './features/metrics-otel.ts';
export { MemoryDedupeStore, type DedupeStore, type MemoryDedupeOptions } from './features/dedupe-store.ts';
export {
  durableObjectDedupeStore,
  type DurableObjectDedupeStore,
  type DurableObjectStorageLike,
  type DurableObjectDedupeOptions,
} from './features/dedupe-durable-object.ts';
export { DedupeError, HandlerQueueFullError, ProxyError } from './core/errors.ts';
export type {
  EventsApiEnvelope,
  SlashCommandsEnvelope,
  InteractiveEnvelope,
  UnknownEnvelopeFrame,
} from './core/schemas.ts';
export { callApi, respond, type CallApiOptions, type SlackApiResponse, type RespondMessage } from './core/web-api.ts';
export { createConnectionUrlHandler, type ConnectionUrlHandlerOptions } from './backend/connection-url.ts';
export { createHealthHandler, type HealthHandlerOptions, type HealthProbe } from './backend/health-handler.ts';
export { createMetricsHandler, type MetricsHandlerOptions } from './backend/metrics-handler.ts';
