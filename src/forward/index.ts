// `socket-mode-anywhere/forward`: serve an HTTP-mode Slack app (Bolt's HTTPReceiver, Hono, slack-edge, …) from
// Socket Mode, with no public Request URL: each envelope is POSTed, signed, as Slack would, and the answer acks it.
export { createForwarder, ForwardError } from './forwarder.ts';
export type { Delivery, ForwardFailure, ForwardTarget, Forwarder, ForwarderOptions } from './forwarder.ts';
export { slackHttpRequest, type RouteKind, type SlackHttpRequest } from './request.ts';
export { ackFromAnswer, type AckDecision } from './answer.ts';
export { slackSigner } from './sign.ts';
