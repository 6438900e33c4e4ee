// The panel's model types: an envelope the page received (with the ack that went back), a socket the client
// opened, and a connection timeline event. The session (session.ts) holds them.

export const ACK_DEADLINE_MS = 3000;

/**
 * 'sent': the page's client wrote the ack, the simulator has not confirmed reading it (yet). Against the simulator
 * a row says 'acked' only once the simulator's feed reports the ack; 'missed' when it reports the deadline passed.
 */
export type AckState = 'pending' | 'sent' | 'acked' | 'late' | 'missed' | 'failed';

export interface AckInfo {
  state: AckState;
  /** The ack frame as written to the socket. */
  frame?: Record<string, unknown>;
  at?: number; // epoch ms
  latencyMs?: number;
  by?: 'auto' | 'manual' | 'client';
  error?: string;
  /** The simulator read the ack (its feed's `ack` record): when, its latency, and the frame as it read it. */
  confirmedAt?: number; // epoch ms
  simLatencyMs?: number;
  simFrame?: Record<string, unknown>;
  /** The simulator recorded the deadline missed (whatever the client wrote). */
  simMissedAt?: number;
}

export interface EnvelopeEntry {
  seq: number;
  envelope_id: string;
  type: string;
  /** events_api: inner event type; interactive: payload.type; slash_commands: the command. */
  eventType: string;
  summary: string;
  receivedAt: number; // epoch ms
  t: number; // performance.now() at receipt
  retryAttempt: number;
  retryReason: string;
  acceptsPayload: boolean;
  socket: number;
  raw: Record<string, unknown>;
  ack: AckInfo;
  /** The client emitted it to handlers (false: deduped, unparseable or not yet). */
  delivered: boolean;
  replayed: boolean;
}

export interface SocketInfo {
  id: number;
  host: string;
  startedAt: number;
  openAt?: number;
  helloAt?: number;
  numConnections?: number;
  debugHost?: string;
  /** The simulator's id for this connection (from hello debug_info.host), when connected to the simulator. */
  simConnectionId?: string;
  warnedAt?: number;
  refreshAt?: number;
  disconnectReason?: string;
  disconnectAt?: number;
  /** The client closed it (the peer may never answer: a half-open socket stays CLOSING for a long while). */
  closingAt?: number;
  closedAt?: number;
  closeCode?: number;
}

export type TimelineKind =
  | 'connecting'
  | 'hello'
  | 'warning'
  | 'refresh_requested'
  | 'link_disabled'
  | 'too_many_websockets'
  | 'disconnect'
  | 'closed'
  | 'socket_error'
  | 'malformed'
  | 'reconnecting'
  | 'connected'
  | 'disconnected'
  | 'error';

export interface TimelineEvent {
  seq: number;
  at: number;
  kind: TimelineKind;
  /** Tap socket id; undefined = client-level event. */
  socket?: number;
  label: string;
  detail?: string;
}
