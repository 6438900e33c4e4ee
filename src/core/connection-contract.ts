// What a connection and its owner tell each other: the options it is made with, the events it reports, what it
// reports a close with, and the add-on that gives its socket what the standard interface lacks.
import type { Connection } from './connection.ts';
import type { MalformedFrameError } from './errors.ts';
import type { ParsedFrame } from './parse.ts';
import type { DisconnectFrame, HelloFrame } from './schemas.ts';
import type { Logger } from './logger.ts';
import type { WebSocketConstructor, WebSocketLike } from '../transport/websocket.ts';

export type EnvelopeFrame = Extract<
  ParsedFrame,
  { kind: 'events_api' | 'slash_commands' | 'interactive' | 'unknown_envelope' }
>;

export interface ConnectionCloseInfo {
  code: number;
  reason: string;
  /** true when this side asked for the close (replacement, disconnect(), refusal). */
  requested: boolean;
  /** Why, when the connection itself decided: 'hello_timeout', 'socket_error', 'close_timeout', … */
  cause: string;
  /** The runtime's message for a socket error, where it gives one (ws: "Invalid WebSocket frame: invalid UTF-8 sequence"). */
  error?: string;
}

export interface ConnectionEvents {
  onHello(conn: Connection, hello: HelloFrame): void;
  onDisconnectFrame(conn: Connection, frame: DisconnectFrame): void;
  onReceived(conn: Connection, env: EnvelopeFrame): void;
  onMalformed(conn: Connection, err: MalformedFrameError): void;
  /** rotateAfterMs elapsed on a socket that cannot be pinged. */
  onRotateDue(conn: Connection): void;
  onClosed(conn: Connection, info: ConnectionCloseInfo): void;
}

export interface ConnectionSettings {
  helloTimeoutMs: number;
  rotateAfterMs: number;
  closeTimeoutMs: number;
  maxFrameBytes: number;
}

export interface ConnectionOptions extends ConnectionSettings {
  id: string;
  slot: number;
  url: string;
  WebSocket: WebSocketConstructor;
  logger: Logger;
  events: ConnectionEvents;
  /** What this socket gets beyond the standard interface (one add-on per connection). */
  addOn?: SocketAddOn | undefined;
}

/** Extras for one connection's socket, where the runtime allows them (liveness: pings, binary frames, corking). */
export interface SocketAddOn {
  /** The socket was made: deliver each frame to `conn.receive()` from now on; returns how to stop. */
  listen(conn: Connection, socket: WebSocketLike): () => void;
  /** The connection is live (hello seen): true if the add-on watches its liveness (then it is never rotated). */
  live(conn: Connection, socket: WebSocketLike): boolean;
  /** The connection is closed: undo what live() set up. */
  stop(): void;
}
