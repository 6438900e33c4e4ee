// Token redaction. Slack tokens (xapp-, xoxb-, xoxp-, xoxa-, xoxe-, xoxr-, any xox?-) must never reach logs,
// errors or events; a wss ticket is single-use but still a credential while it is fresh.

// No word boundary before the prefix: a token (or ticket) right after a JSON escape (`\nxoxb-…`), `%20`, `%3F` or `_` is still a
// token. Over-redacting a word that merely ends in "xapp-" costs nothing.
const TOKEN_RE = /(xapp|xox[a-z])-[A-Za-z0-9._~-]+/g;
const TICKET_RE = /(ticket(?:=|%3[Dd]))[^&#\s"'\\]+/g;

/** Replace every Slack token (and wss ticket) in `text` with a placeholder that keeps only the prefix. */
export function redact(text: string): string {
  if (typeof text !== 'string') return text;
  return text.replace(TOKEN_RE, '$1-[REDACTED]').replace(TICKET_RE, '$1[REDACTED]');
}

/**
 * Deep-redacts a value for logging: strings are redacted, errors are copied with redacted message/stack,
 * plain objects and arrays are copied (bounded depth, cycle-safe). Other values pass through.
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > 6) return '[Object]';
  seen.add(value);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redact(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) (copy as { code?: unknown }).code = code;
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') continue;
    out[key] = redactValue((value as Record<string, unknown>)[key], depth + 1, seen);
  }
  return out;
}
