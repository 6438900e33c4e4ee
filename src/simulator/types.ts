// Public types of the simulator (the shapes in src/ARCHITECTURE.md, plus a few documented additions).

export interface SimulatorOptions {
  port?: number;
  host?: string;
  appToken?: string;
  botToken?: string;
  appId?: string;
  teamId?: string;
  ackTimeoutMs?: number;
  redeliveryDelaysMs?: number[];
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  maxConnections?: number;
  approximateConnectionTimeSec?: number;
  refreshWarningLeadMs?: number;
  refreshCloseDelayMs?: number;
  /**
   * Addition: refresh each connection on its own, as Slack does, approximateConnectionTimeSec after its hello
   * (the `warning` goes out refreshWarningLeadMs before that). Default false.
   */
  autoRefresh?: boolean;
  /**
   * Addition: a half-open socket is destroyed after this long (as Slack eventually drops a silent peer); until
   * then it counts in num_connections and against maxConnections, like a ghost. Default 0 = never.
   */
  halfOpenReapMs?: number;
  /** Addition: random source for routing (which live connection gets an envelope). Default Math.random. */
  random?: () => number;
  /**
   * Addition: the clock trigger_id expiry reads (epoch ms). Default Date.now. A test passes its own to expire a
   * trigger_id without waiting 3 s.
   */
  now?: () => number;
  openRateLimit?: { burst: number; perMinute: number } | false;
  log?: (line: string) => void;
}

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'log' | 'openRateLimit'>> & {
  openRateLimit: { burst: number; perMinute: number } | false;
  log: (line: string) => void;
};

export type InjectKind =
  | 'app_mention'
  | 'message'
  | 'reaction_added'
  | 'slash_command'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'shortcut'
  | 'block_suggestion';

export const INJECT_KINDS: readonly InjectKind[] = [
  'app_mention',
  'message',
  'reaction_added',
  'slash_command',
  'block_actions',
  'view_submission',
  'view_closed',
  'shortcut',
  'block_suggestion',
];

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
  payload: Record<string, unknown>;
}

// 'closing' is an addition: a disconnect frame (link_disabled, too_many_websockets) was sent and the
// socket is being closed.
export type ConnectionState = 'connecting' | 'live' | 'refreshing' | 'half-open' | 'closing' | 'closed';

export interface ConnectionInfo {
  id: string;
  openedAt: number; // epoch ms
  helloAt?: number; // epoch ms
  closedAt?: number; // addition
  closeCode?: number; // addition: the code of the client's close frame (1005 none in it, 1006 no close frame)
  state: ConnectionState;
  warned?: boolean; // addition: a `warning` disconnect frame was sent (still live until refresh_requested)
  silentSince?: number; // addition: epoch ms of a silentDeath() on it (state stays 'live' while Slack routes here)
  label?: string; // addition: the label of the app token it was opened with (sim.appTokenFor), e.g. 'bot'
  delivered: number;
  acked: number;
}

export interface AckRecord {
  envelope_id: string;
  payload?: unknown;
  connectionId: string;
  receivedAt: number; // epoch ms
  latencyMs: number; // since that envelope was sent; -1 for an unknown envelope_id
  duplicate: boolean; // a second ack, or an ack of an envelope_id the sim never sent
  late?: boolean; // addition: arrived after ackTimeoutMs
  frame?: Record<string, unknown>; // addition: the ack frame exactly as the simulator read it (parsed JSON)
}

export interface DeliveryRecord {
  envelope_id: string;
  type: string;
  retry_attempt: number;
  connectionId: string;
  sentAt: number; // epoch ms
  event_id?: string; // addition (events_api)
  envelope?: Envelope; // addition: the envelope exactly as written to the connection
}

export interface PostedRecord {
  kind: 'chat.postMessage' | 'response_url';
  body: unknown;
  at: number; // epoch ms
  responseId?: string; // addition: the <id> of /response/<id>
  envelope_id?: string; // addition: the envelope it answers (see EnvelopeLink)
  linkedBy?: EnvelopeLink;
}

/**
 * Addition: how a Web API call or a post was tied to the envelope it answers (nothing in the call names it):
 * 'response_url' (posted to that envelope's response_url), 'trigger_id' (its trigger_id), 'channel_ts' (names the
 * message or event the envelope carried: channel + ts / thread_ts / timestamp), 'time' (the newest envelope, in
 * the same channel when the call names one, delivered in the 10 s before to a connection not labeled 'page').
 */
export type EnvelopeLink = 'response_url' | 'trigger_id' | 'channel_ts' | 'time';

/**
 * Addition: one Web API call the app made (any /api/ method but apps.connections.open, which `open` records):
 * its arguments and the answer, token-shaped strings masked. `modeled: false` = answered by the ok:true fallback.
 */
export interface ApiCallRecord {
  method: string;
  args: Record<string, unknown>;
  response: Record<string, unknown>;
  ok: boolean;
  error?: string;
  modeled: boolean;
  at: number; // epoch ms
  envelope_id?: string; // addition: the envelope this call answers, when it can be told (linkedBy says how)
  linkedBy?: EnvelopeLink;
}

export interface MissedRecord {
  envelope_id: string;
  type: string;
  retry_attempt?: number; // addition
  connectionId?: string; // addition
}

export interface BadFrameRecord {
  connectionId: string;
  reason: 'binary' | 'not_json' | 'not_an_ack' | 'too_large';
  sample: string;
  at: number;
}

export interface OpenRecord {
  ok: boolean;
  status: number;
  error?: string;
  at: number;
}

export type FailOpen = { error: string } | { status: 429; retryAfterSec: number } | { status: 500 };

export type SimEventName =
  'ack' | 'delivery' | 'connection' | 'posted' | 'api_call' | 'open' | 'fault' | 'missed' | 'bad_frame';

export interface Simulator {
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly appToken: string;
  readonly botToken: string;
  close(): Promise<void>;

  /**
   * `opts.connectionId` (addition): deliver to that open connection (throws if it is not open), not a random live
   * one. `opts.label` (addition): to a random live connection opened with that label's token (appTokenFor);
   * throws if there is none (over HTTP: 400 `no_live_connection`).
   */
  inject(
    kind: InjectKind,
    fields?: Record<string, unknown>,
    opts?: { connectionId?: string; label?: string },
  ): Envelope;
  /**
   * Addition: a further app-level token of this app (Slack lets an app hold several), the same one for the same
   * label. Connections opened with it carry `label` in ConnectionInfo (the dev setup labels its bot 'bot' and the
   * panel's page 'page'). Labels: 1–32 letters, digits, '_' or '-'.
   */
  appTokenFor(label: string): string;
  sendEnvelope(envelope: Record<string, unknown>, opts?: { connectionId?: string }): void;
  sendRaw(frame: string | Uint8Array, opts?: { connectionId?: string; binary?: boolean }): void;

  refresh(opts?: { connectionId?: string; warning?: boolean }): void;
  disableLink(): void;
  enableLink(): void;
  drop(opts?: { connectionId?: string }): void;
  halfOpen(opts?: { connectionId?: string }): void;
  /** Addition: a close frame (default code 1011) with no disconnect frame first, as a peer closing unannounced. */
  closeConnection(opts?: { connectionId?: string; code?: number; reason?: string }): void;
  /**
   * Addition: the path to a connection (default: a random live one) dies without a close frame. The sim writes
   * nothing to it (envelopes routed there are recorded as sent and lost), reads nothing from it, pings it no
   * more, and keeps routing to it for routeForMs (default: pongTimeoutMs), or until the client's FIN/RST reaches
   * it when closeReaches (default true).
   */
  silentDeath(opts?: { connectionId?: string; routeForMs?: number; closeReaches?: boolean }): void;
  failNextOpen(f: FailOpen, times?: number): void;

  connections(): ConnectionInfo[];
  readonly acks: AckRecord[];
  readonly deliveries: DeliveryRecord[];
  readonly posted: PostedRecord[];
  readonly apiCalls: ApiCallRecord[]; // addition: every Web API call the app made, and its answer
  readonly openCalls: number;
  readonly badClientFrames: number; // addition
  readonly badFrames: BadFrameRecord[]; // addition
  missedDeadlines(): MissedRecord[];
  noLiveConnectionMs(): number;
  resetStats(): void;
  waitForAck(envelope_id: string, timeoutMs?: number): Promise<AckRecord>;
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  on(ev: SimEventName, fn: (rec: any) => void): () => void;
  state(): SimState; // addition: the GET /_sim/state snapshot
}

export interface SimState {
  url: string;
  apiUrl: string;
  appId: string;
  teamId: string;
  linkDisabled: boolean;
  queued: number;
  openCalls: number;
  badClientFrames: number;
  noLiveConnectionMs: number;
  connections: ConnectionInfo[];
  acks: AckRecord[];
  deliveries: DeliveryRecord[];
  posted: PostedRecord[];
  apiCalls: ApiCallRecord[];
  missedDeadlines: MissedRecord[];
  badFrames: BadFrameRecord[];
}
