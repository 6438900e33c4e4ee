// Token redaction. Slack tokens (xapp-, xoxb-, xoxp-, xoxa-, xoxe-, xoxr-, any xox?-) must never reach logs,
// errors or events; a wss ticket is single-use but still a credential while it is fresh.
import { describe } from './describe.ts';

// No word boundary before the prefix: a token (or ticket) right after a JSON escape (`\nxoxb-…`), `%20`, `%3F` or `_` is still a
// token. Over-redacting a word that merely ends in "xapp-" costs nothing.
const TOKEN_RE = /(xapp|xox[a-z])-[A-Za-z0-9._~-]+/g;
const TICKET_RE = /(ticket(?:=|%3[Dd]))[^&#\s"'\\]+/g;

/** Replace every Slack token (and wss ticket) in `text` with a placeholder that keeps only the prefix. */
export function redact(text: string): string {
  // A non-string passes through: callers hand over whatever they were given.
  return typeof text === 'string' ? text.replace(TOKEN_RE, '$1-[REDACTED]').replace(TICKET_RE, '$1[REDACTED]') : text;
}

/**
 * A copy of `value` that is safe to log or keep: a string redacted; an Error copied (name, code, redacted message
 * and stack); any other object copied as JSON data, redacted. Other values pass through.
 */
export function redactValue(value: unknown): unknown {
  if (value instanceof Error) {
    const { name, stack, code } = value as Error & { code?: unknown };
    const copy = Object.assign(new Error(redact(value.message)), { name, stack: stack && redact(stack) });
    return code === undefined ? copy : Object.assign(copy, { code });
  }
  if (typeof value !== 'object' || value === null) return redact(value as string);
  try {
    // The JSON text's strings hold every token as is (no token character is ever escaped), so redacting the
    // text redacts the copy. A nested Error becomes its description (JSON would make it `{}`).
    return JSON.parse(redact(JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? describe(v) : v))));
  } catch {
    // A cycle, a BigInt, a throwing toJSON…
    return 'unprintable value';
  }
}
