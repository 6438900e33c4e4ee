// URL policy: credentials and event payloads travel only over TLS, except to loopback (local simulator, tests).
import { InsecureUrlError } from './errors.ts';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** Throws InsecureUrlError unless `url` uses `secure` (e.g. 'wss:'), or `plain` (e.g. 'ws:') on a loopback host. */
export function assertSecureUrl(url: string, secure: 'wss:' | 'https:'): URL {
  const plain = secure === 'wss:' ? 'ws:' : 'http:';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InsecureUrlError(String(url), `a valid ${secure}// URL`);
  }
  if (parsed.protocol === secure) return parsed;
  if (parsed.protocol === plain && isLoopbackHost(parsed.hostname)) return parsed;
  throw new InsecureUrlError(url, `${secure}//`);
}
