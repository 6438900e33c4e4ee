// The fetch the Web API helpers (callApi, respond) use when none is given. A platform entry registers its own
// (Node: through the proxy that applies, as the client's legs go), so browser/workerd bundles carry no proxy code;
// unregistered, the runtime's global fetch.
import type { FetchLike } from '../core/web-api.ts';

/**
 * What a request expects back: 'json' (the Web API: anything else through a proxy came from something in between)
 * or 'any' (a response_url: Slack may answer it with plain text).
 */
export type ExpectedAnswer = 'json' | 'any';

/** A platform's fetch for a `proxy` option (a URL, false, or undefined for the environment). */
export type PlatformFetch = (proxy: string | false | undefined, expect: ExpectedAnswer) => FetchLike;

let platform: PlatformFetch | undefined;

export function setPlatformFetch(fn: PlatformFetch | undefined): void {
  platform = fn;
}

/** The platform's fetch for this `proxy` option, else the global fetch (called unbound, as some runtimes need). */
export function platformFetch(proxy: string | false | undefined, expect: ExpectedAnswer): FetchLike {
  return platform ? platform(proxy, expect) : (input, init) => fetch(input, init);
}
