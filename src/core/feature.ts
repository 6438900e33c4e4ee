// Features: the parts a client is built from beyond the core loop (pool, dedupe, ping liveness, handler bound,
// deadline warnings, proactive refresh, ghost warnings). A feature is a function the client calls once, with
// its context (./context.ts), when it is made; what it returns says where it takes part. The core calls each
// hook at one point of its flow and reads the answer as data: "taken", "handled", a connection, a record.
import type { AckFn, AckableEnvelope } from './ack-queue.ts';
import type { Connection, ConnectionOptions, EnvelopeFrame } from './connection.ts';
import type { Core, Slot } from './context.ts';
import type { DisconnectFrame, HelloFrame } from './schemas.ts';
import type { ConnectedEvent } from './types.ts';

declare const feature: unique symbol;
/** A part of the client (`pool(n)`, `dedupe(store)`, …), made by its function and passed in `features`. */
export interface Feature {
  readonly [feature]: true;
}

export interface Hooks {
  /** How many live connections to keep (the pool; the last feature that says wins). Default 1. */
  poolSize?: number;
  /** Makes each socket (the first feature that has it wins): liveness makes ones that ping. */
  connection?(o: ConnectionOptions): Connection;
  /** An envelope got its ack function: a record to keep, whose `acked` is set once it is acked. */
  track?(env: AckableEnvelope): { acked?: boolean } | undefined;
  /** A connection became its slot's live one (just before `connected` is emitted). */
  connected?(conn: Connection, slot: Slot, hello: HelloFrame, ev: ConnectedEvent): void;
  /** An envelope arrived. true: the feature took it (it admits it later with admit(), or acks it). */
  envelope?(conn: Connection, parsed: EnvelopeFrame): boolean | void;
  /** An admitted envelope goes to user code. true: the feature runs it (with dispatch()) itself. */
  deliver?(conn: Connection, parsed: EnvelopeFrame, ack: AckFn): boolean | void;
  /** Slack's `disconnect` frame. true: handled (the core does nothing more with it). */
  disconnectFrame?(conn: Connection, frame: DisconnectFrame): boolean | void;
  /** `slot` needs a new socket but the budget (n + 1, at most 10) is full. */
  budgetFull?(slot: Slot, conn: Connection): void;
  /** A handler threw or rejected; `acked`: its envelope's ack had been attempted by then. */
  handlerFailed?(arg: { envelope_id: string; type: string; body?: unknown }, acked: boolean): void;
  /** The first ack attempt of an admitted envelope was made (sent, queued or refused). */
  acked?(env: AckableEnvelope): void;
  /** An envelope taken will never be delivered nor acked by this run: Slack redelivers events. */
  dropped?(parsed: EnvelopeFrame): void;
  /** The client is stopping: every connection is about to close. A promise is awaited before disconnect() resolves. */
  stopping?(): void | Promise<unknown>;
  /**
   * Watches the client (metrics): each event as it is emitted, before its listeners (a watcher is no listener: errors
   * are logged as without one), and facts of the core's own: `'#received'` (an envelope arrived, before any feature
   * takes it; `arg` its EnvelopeFrame), `'#deduped'` (dedupe acked a duplicate; `arg` its envelope_id) and `'#closed'`
   * (a socket closed, stopping or not; `arg` its Connection).
   * It runs for every envelope: it must be cheap and must not throw.
   */
  observe?(type: string, arg: unknown): void;
}

/** What a feature is inside: called once per client, with its context. */
export type FeatureSetup = (core: Core) => Hooks;

/** Marks a setup function as a Feature (the public type is opaque: features are the library's own). */
export const defineFeature = (setup: FeatureSetup): Feature => setup as unknown as Feature;
