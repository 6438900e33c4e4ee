// Which proxy a URL goes through: the `proxy` option, else the standard environment variables. Shared by the
// Node and Bun entries (Deno and browsers use their own networking). The rules are curl's:
// - ws:// and http:// use http_proxy / HTTP_PROXY; wss:// and https:// use https_proxy / HTTPS_PROXY; then
//   all_proxy / ALL_PROXY. Lowercase wins over uppercase.
// - NO_PROXY: `*` (nothing is proxied), a host (itself and its subdomains), `.suffix` or `*.suffix`, an
//   optional `:port`, an IP literal (IPv6 with or without brackets); comma or space separated, any case.
// - Loopback hosts are proxied like any other unless NO_PROXY names them (curl and undici; not Go).
// proxy-from-env was not used: it reads a bare host as that host only (undici's reading), where curl, Python
// and Go also take its subdomains (`NO_PROXY=slack.com` must cover wss-primary.slack.com).

import { ProxyError } from '../core/errors.ts';

/** The `proxy` option: a URL overrides the environment, `false` disables proxies; undefined reads the environment. */
export type ProxyOption = string | false | undefined;

export type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 };

function envVar(env: Env, name: string): string {
  return (env[name] || env[name.toUpperCase()] || '').trim();
}

/** The proxy URL for `target` ('' for a direct connection). `target` is a ws(s):// or http(s):// URL. */
export function proxyFor(target: string | URL, option: ProxyOption, env: Env): string {
  if (option === false) return '';
  if (typeof option === 'string' && option !== '') return option;
  const url = typeof target === 'string' ? new URL(target) : target;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const proxy = envVar(env, secure ? 'https_proxy' : 'http_proxy') || envVar(env, 'all_proxy');
  if (!proxy || bypassed(url, envVar(env, 'no_proxy'))) return '';
  // curl takes a bare host:port as an http proxy.
  return proxy.includes('://') ? proxy : `http://${proxy}`;
}

/** True if NO_PROXY names the URL's host (and port, where an entry has one). */
export function bypassed(url: URL, noProxy: string): boolean {
  if (!noProxy) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
  for (const raw of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (!raw) continue;
    if (raw === '*') return true;
    // host:port, [v6]:port, or a bare IPv6 literal (more than one colon: no port).
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? (raw.split(':').length === 2 ? /^(.*):(\d+)$/.exec(raw) : null);
    const name = (m ? m[1]! : raw).replace(/^\*?\.?/, '');
    const entryPort = m?.[2] ? Number(m[2]) : 0;
    if (entryPort && entryPort !== port) continue;
    if (name && (host === name || host.endsWith(`.${name}`))) return true;
  }
  return false;
}

/** A proxy URL fit for messages: scheme, host and port only (never user:password, a path or a query). */
export function shownProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    return `${u.protocol}//${u.host}`;
  } catch {
    // Not a URL: say so without echoing it (it may hold a password).
    return '(a proxy URL that does not parse)';
  }
}

/** `proxy` ('' for none) checked: an http(s):// URL, else a ProxyError that does not echo it. */
export function checkedProxy(proxy: string): string {
  if (!proxy) return proxy;
  let u: URL | undefined;
  try {
    u = new URL(proxy);
  } catch {
    // Below.
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    const why = u ? `its scheme ${u.protocol} is not supported (http: or https:)` : 'it does not parse as a URL';
    throw new ProxyError(shownProxy(proxy), `Proxy URL refused: ${why}`);
  }
  return proxy;
}
