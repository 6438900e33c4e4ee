// Reading a Web API call's arguments as Slack does (a form sends everything as strings, JSON-encoded objects
// included; a JSON body sends real values), and the shapes of its answers.

export type Args = Record<string, unknown>;
export type Answer = { ok: true; [k: string]: unknown } | { ok: false; error: string; [k: string]: unknown };

export const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ ok: false, error, ...extra });

/** Slack's answer for a missing or malformed argument, with its `response_metadata.messages` line. */
export const invalidArgs = (message: string): Answer =>
  fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });

/** A non-empty string argument, or undefined. */
export const str = (args: Args, name: string): string | undefined => {
  const v = args[name];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** An object or array argument: as given in JSON, or JSON-encoded in a form field. `null` = present but unparsable. */
export function json(args: Args, name: string): unknown {
  const v = args[name];
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return null;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An integer argument within [min, max], or `fallback` when absent; NaN when not a number. */
export function int(args: Args, name: string, fallback: number, min: number, max: number): number {
  const v = args[name];
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) return Number.NaN;
  return Math.min(max, Math.max(min, n));
}

export const bool = (args: Args, name: string): boolean => {
  const v = args[name];
  return v === true || v === 'true' || v === '1' || v === 1;
};

/** Message content: text, blocks, attachments (form fields parsed from JSON). */
export function content(args: Args): { text?: string; blocks?: unknown; attachments?: unknown } | Answer {
  const out: { text?: string; blocks?: unknown; attachments?: unknown } = {};
  if (typeof args['text'] === 'string') out.text = args['text'];
  for (const k of ['blocks', 'attachments'] as const) {
    if (args[k] === undefined || args[k] === '') continue;
    const v = json(args, k);
    if (!Array.isArray(v)) return fail(k === 'blocks' ? 'invalid_blocks' : 'invalid_attachments');
    out[k] = v;
  }
  return out;
}

export const isAnswer = (v: unknown): v is Answer => isObject(v) && typeof v['ok'] === 'boolean';

/** Cursor paging over a list, as Slack's `cursor`/`limit`/`response_metadata.next_cursor`. */
export function page<T>(
  list: T[],
  args: Args,
  defaultLimit: number,
): { items: T[]; has_more: boolean; next_cursor: string } | Answer {
  const limit = int(args, 'limit', defaultLimit, 1, 1000);
  if (Number.isNaN(limit)) return invalidArgs('limit must be an integer');
  let start = 0;
  const cursor = str(args, 'cursor');
  if (cursor) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!m) return fail('invalid_cursor');
    start = Number(m[1]);
  }
  const items = list.slice(start, start + limit);
  const more = start + limit < list.length;
  return {
    items,
    has_more: more,
    next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '',
  };
}
