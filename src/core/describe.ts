// One line of text for any thrown value, for error messages and logs (redact it before showing it).

/** `Name: message` for an Error, JSON for anything else that has it. */
export function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
  } catch {
    // A cycle, a BigInt, a throwing toJSON…
    return 'unprintable value';
  }
}
