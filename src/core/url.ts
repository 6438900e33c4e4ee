// URL policy: credentials and event payloads travel only over TLS, except to loopback (local simulator, tests).
import { InsecureUrlError } from './errors.ts';

/** localhost (and *.localhost), ::1, or 127.x.y.z with each part 0-255. */
export function isLoopbackHost(hostname: string): boolean {
  return /^(localhost|.*\.localhost|\[::1\]|::1|127(\.(25[0-5]|2[0-4]\d|[01]?\d?\d)){3})$/i.test(hostname);
}

/** Throws InsecureUrlError unless `url` uses `secure` (e.g. 'wss:'), or its plain twin (e.g. 'ws:') on a loopback host. */
export function assertSecureUrl(url: string, secure: 'wss:' | 'https:'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InsecureUrlError(url, `a valid ${secure}// URL`);
  }
  const { protocol } = parsed;
  // 'wss:' → 'ws:', 'https:' → 'http:'
  if (protocol === secure || (protocol === secure.replace('s:', ':') && isLoopbackHost(parsed.hostname))) return parsed;
  throw new InsecureUrlError(url, `${secure}//`);
}
