// Builders for the envelopes Slack sends (PROTOCOL.md section 2), with realistic ids.
import { randomFillSync, randomUUID } from 'node:crypto';
import type { Envelope, InjectKind } from './types.ts';

export interface EnvelopeContext {
  appId: string;
  teamId: string;
  /** base for response_url, e.g. 'http://127.0.0.1:3300' */
  baseUrl: string;
}

const BOT_USER = 'U0BOT';
const HUMAN = 'U222';
const CHANNEL = 'C111';
const VERIFICATION_TOKEN = 'simVerificationToken'; // legacy field Slack still sends; not a secret

// Random bytes from a pool refilled 4 KB at a time: one randomBytes() call per id made id generation the
// simulator's main cost under pipelined load.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
const randomBytes = (n: number): Buffer => {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
};

const alnum = (n: number): string => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += chars[b % chars.length];
  return s;
};

export const newEventId = (): string => `Ev${alnum(9)}`;
export const newTicket = (): string => randomBytes(16).toString('hex');
// Slack message ts: seconds.microseconds-ish, unique per call.
let tsCounter = 0;
export const newTs = (): string => {
  tsCounter = (tsCounter + 1) % 1000;
  const ms = Date.now();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000 + tsCounter).padStart(6, '0')}`;
};
const triggerId = (): string => `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;

export function envelopeTypeOf(kind: InjectKind): Envelope['type'] {
  if (kind === 'app_mention' || kind === 'message' || kind === 'reaction_added') return 'events_api';
  if (kind === 'slash_command') return 'slash_commands';
  return 'interactive';
}

function innerEvent(kind: 'app_mention' | 'message' | 'reaction_added', ctx: EnvelopeContext): Record<string, unknown> {
  const ts = newTs();
  switch (kind) {
    case 'app_mention':
      return {
        type: 'app_mention',
        user: HUMAN,
        text: `<@${BOT_USER}> hello`,
        ts,
        client_msg_id: randomUUID(),
        team: ctx.teamId,
        channel: CHANNEL,
        event_ts: ts,
      };
    case 'message':
      return {
        type: 'message',
        user: HUMAN,
        text: 'hello',
        ts,
        client_msg_id: randomUUID(),
        team: ctx.teamId,
        channel: CHANNEL,
        event_ts: ts,
        channel_type: 'channel',
      };
    case 'reaction_added':
      return {
        type: 'reaction_added',
        user: HUMAN,
        reaction: 'thumbsup',
        item_user: BOT_USER,
        item: { type: 'message', channel: CHANNEL, ts: newTs() },
        event_ts: ts,
      };
  }
}

/** The events_api payload (event_callback) around an inner event. */
export function eventsApiPayload(event: Record<string, unknown>, ctx: EnvelopeContext): Record<string, unknown> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: ctx.teamId,
    context_team_id: ctx.teamId,
    context_enterprise_id: null,
    api_app_id: ctx.appId,
    event,
    type: 'event_callback',
    event_id: newEventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: ctx.teamId, user_id: BOT_USER, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: event['type'], tid: ctx.teamId, aid: ctx.appId, cid: CHANNEL })).toString('base64url')}`,
  };
}

function interactivePayload(
  kind: Exclude<InjectKind, 'app_mention' | 'message' | 'reaction_added' | 'slash_command'>,
  ctx: EnvelopeContext,
  responseUrl: string,
): Record<string, unknown> {
  const user = { id: HUMAN, username: 'sim-user', name: 'sim-user', team_id: ctx.teamId };
  const team = { id: ctx.teamId, domain: 'simulator' };
  const common = {
    user,
    api_app_id: ctx.appId,
    token: VERIFICATION_TOKEN,
    team,
    enterprise: null,
    is_enterprise_install: false,
  };
  const msgTs = newTs();
  const view = {
    id: `V${alnum(10)}`,
    team_id: ctx.teamId,
    type: 'modal',
    callback_id: 'sim_modal',
    private_metadata: '',
    title: { type: 'plain_text', text: 'Simulator' },
    blocks: [],
    state: { values: {} },
    hash: `${Date.now()}.${alnum(8)}`,
    app_id: ctx.appId,
    bot_id: 'B111',
    root_view_id: null,
    previous_view_id: null,
  };
  switch (kind) {
    case 'block_actions':
      return {
        type: 'block_actions',
        ...common,
        trigger_id: triggerId(),
        container: { type: 'message', message_ts: msgTs, channel_id: CHANNEL, is_ephemeral: false },
        channel: { id: CHANNEL, name: 'general' },
        message: { type: 'message', user: BOT_USER, ts: msgTs, text: 'Click the button' },
        state: { values: {} },
        response_url: responseUrl,
        actions: [
          {
            action_id: 'sim_button',
            block_id: 'sim_block',
            type: 'button',
            value: 'clicked',
            text: { type: 'plain_text', text: 'Click' },
            action_ts: newTs(),
          },
        ],
      };
    case 'view_submission':
      return { type: 'view_submission', ...common, trigger_id: triggerId(), view, response_urls: [] };
    case 'view_closed':
      return { type: 'view_closed', ...common, view, is_cleared: false };
    case 'shortcut':
      return { type: 'shortcut', ...common, callback_id: 'sim_shortcut', trigger_id: triggerId(), action_ts: newTs() };
    case 'block_suggestion':
      return {
        type: 'block_suggestion',
        ...common,
        action_id: 'sim_select',
        block_id: 'sim_block',
        value: '',
        container: { type: 'message', message_ts: msgTs, channel_id: CHANNEL, is_ephemeral: false },
        channel: { id: CHANNEL, name: 'general' },
      };
  }
}

/**
 * Build a first-delivery envelope. `fields` is merged (shallowly) into the inner event for events_api,
 * into the payload for the others, so tests can set text/command/etc.
 */
export function buildEnvelope(kind: InjectKind, fields: Record<string, unknown>, ctx: EnvelopeContext): Envelope {
  const type = envelopeTypeOf(kind);
  const responseUrl = `${ctx.baseUrl}/response/${randomBytes(12).toString('hex')}`;
  if (kind === 'app_mention' || kind === 'message' || kind === 'reaction_added') {
    const event = { ...innerEvent(kind, ctx), ...fields };
    return {
      envelope_id: randomUUID(),
      type,
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: eventsApiPayload(event, ctx),
    };
  }
  if (kind === 'slash_command') {
    const payload = {
      token: VERIFICATION_TOKEN,
      team_id: ctx.teamId,
      team_domain: 'simulator',
      channel_id: CHANNEL,
      channel_name: 'general',
      user_id: HUMAN,
      user_name: 'sim-user',
      command: '/hello',
      text: 'world',
      api_app_id: ctx.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId(),
      ...fields,
    };
    return { envelope_id: randomUUID(), type, accepts_response_payload: true, payload };
  }
  // A shortcut's ack carries nothing back (Slack's own SDK fixtures: accepts_response_payload false).
  return {
    envelope_id: randomUUID(),
    type,
    accepts_response_payload: kind !== 'shortcut',
    payload: { ...interactivePayload(kind, ctx, responseUrl), ...fields },
  };
}

/** A redelivery of an events_api envelope: new envelope_id, same payload (so the same event_id). */
export function redeliveryOf(env: Envelope, attempt: number): Envelope {
  return { ...env, envelope_id: randomUUID(), retry_attempt: attempt, retry_reason: 'timeout' };
}

/** Re-wrap a recorded envelope (kind + payload) as a fresh delivery, for /_sim/replay. */
export function replayOf(recorded: Record<string, unknown>): Envelope | undefined {
  const type = recorded['type'];
  const payload = recorded['payload'];
  if (
    (type !== 'events_api' && type !== 'slash_commands' && type !== 'interactive') ||
    !payload ||
    typeof payload !== 'object'
  )
    return undefined;
  const env: Envelope = {
    envelope_id: randomUUID(),
    type,
    accepts_response_payload: type !== 'events_api',
    payload: payload as Record<string, unknown>,
  };
  if (type === 'events_api') {
    env.retry_attempt = 0;
    env.retry_reason = '';
  }
  return env;
}

export function helloFrame(numConnections: number, appId: string, approxSec: number, hostSeq: number): string {
  return JSON.stringify({
    type: 'hello',
    num_connections: numConnections,
    debug_info: { host: `applink-sim-${hostSeq}`, build_number: 10, approximate_connection_time: approxSec },
    connection_info: { app_id: appId },
  });
}

export function disconnectFrame(
  reason: string,
  extra?: { numConnections?: number; appId?: string; hostSeq?: number },
): string {
  const host =
    reason === 'too_many_websockets'
      ? `applink-sim-${extra?.hostSeq ?? 0}`
      : `wss-sim-${extra?.hostSeq ?? 0}.slack.com`;
  const frame: Record<string, unknown> = { type: 'disconnect', reason };
  if (extra?.numConnections !== undefined) frame['num_connections'] = extra.numConnections;
  frame['debug_info'] = { host };
  if (extra?.appId) frame['connection_info'] = { app_id: extra.appId };
  return JSON.stringify(frame);
}
