// Real HTTP proxies on loopback for the proxy tests: the `proxy` package (CONNECT tunnels and plain forwarding,
// basic auth), which records what passes through it, and small misbehaving ones (an HTML page in the server's
// place, a refused CONNECT). The targets are plain http:// and ws://, so the first line sent through each tunnel
// says which leg it carried: `POST /api/apps.connections.open` or `GET /link/?ticket=…`.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createProxy } from 'proxy';

export interface Passage {
  /** 'connect' (a tunnel), 'request' (plain forwarding) or 'upgrade' (a forwarded WebSocket handshake). */
  kind: 'connect' | 'request' | 'upgrade';
  /** host:port asked for. */
  target: string;
  /** The request line that went through ('' until it is seen). */
  line: string;
}

export interface CountingProxy {
  url: string;
  port: number;
  passages: Passage[];
  /** Requests refused for want of the right credentials. */
  refusedAuth: number;
  /** How many passages carried each leg. */
  legs(): { webApi: number; webSocket: number };
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function authorized(req: IncomingMessage, auth?: { user: string; pass: string }): boolean {
  if (!auth) return true;
  const want = `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString('base64')}`;
  return req.headers['proxy-authorization'] === want;
}

/**
 * The `proxy` package on a free loopback port; `auth` turns on basic auth. `refuseUpgrade`: a status (403…) that
 * answers every forwarded WebSocket handshake, as a proxy that lets plain requests through but no WebSocket does.
 */
export async function startCountingProxy(
  auth?: { user: string; pass: string },
  refuseUpgrade?: number,
): Promise<CountingProxy> {
  const server = createProxy(createServer());
  const passages: Passage[] = [];
  const p: CountingProxy = {
    url: '',
    port: 0,
    passages,
    refusedAuth: 0,
    legs: () => ({
      webApi: passages.filter((x) => /^POST \S*apps\.connections\.open/.test(x.line)).length,
      webSocket: passages.filter((x) => /^GET \S*\/link\/\?/.test(x.line)).length,
    }),
    close: () => closeServer(server),
  };
  server.authenticate = (req) => {
    const ok = authorized(req, auth);
    if (!ok) p.refusedAuth++;
    return ok;
  };
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const entry: Passage = { kind: 'connect', target: req.url ?? '', line: '' };
    passages.push(entry);
    // Only the first line is read here; the proxy package pipes every byte on as usual.
    socket.once(
      'data',
      (d: Buffer) =>
        (entry.line = d
          .toString('latin1')
          .split('\r\n')[0]!
          .replace(/ HTTP\/1\.1$/, '')),
    );
  });
  server.on('request', (req: IncomingMessage) => {
    const u = new URL(req.url ?? '/', 'http://x');
    passages.push({ kind: 'request', target: u.host, line: `${req.method} ${u.pathname}${u.search}` });
  });
  // The proxy package forwards plain requests only; a forwarded WebSocket handshake (Deno sends ws:// through
  // HTTP_PROXY this way) is passed on here, as forward proxies that allow WebSockets do.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const u = new URL(req.url ?? '/', 'http://x');
    passages.push({ kind: 'upgrade', target: u.host, line: `${req.method} ${u.pathname}${u.search}` });
    if (!authorized(req, auth)) {
      p.refusedAuth++;
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n');
      return;
    }
    if (refuseUpgrade) return void socket.end(`HTTP/1.1 ${refuseUpgrade} Refused\r\nContent-Length: 0\r\n\r\n`);
    const upstream = connect(Number(u.port || 80), u.hostname, () => {
      const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!/^proxy-/i.test(req.rawHeaders[i]!)) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  p.port = await listen(server);
  p.url = `http://127.0.0.1:${p.port}`;
  return p;
}

export interface BadProxy {
  url: string;
  /** Requests (CONNECTs, forwarded requests, handshakes) it answered. */
  hits: number;
  close(): Promise<void>;
}

const HTML = '<!doctype html><html><body>Please log in to the corporate gateway</body></html>';

function htmlAnswer(): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${HTML.length}\r\nConnection: close\r\n\r\n${HTML}`;
}

/**
 * 'html': accepts every CONNECT, then answers whatever comes through (and every forwarded request) with an HTML
 * page, as a login gateway does. 'refuse-403' / 'refuse-502': refuses every CONNECT and request with that status.
 */
export async function startBadProxy(kind: 'html' | 'refuse-403' | 'refuse-502'): Promise<BadProxy> {
  const server = createServer();
  const p: BadProxy = { url: '', hits: 0, close: () => closeServer(server) };
  const refusal =
    kind === 'refuse-403'
      ? 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
      : 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    p.hits++;
    socket.on('error', () => undefined);
    if (kind !== 'html') return void socket.end(refusal);
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    let seen = '';
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes('\r\n\r\n')) socket.end(htmlAnswer());
    });
  });
  const answer = (socket: Socket): void => {
    p.hits++;
    socket.on('error', () => undefined);
    socket.end(kind === 'html' ? htmlAnswer() : refusal);
  };
  server.on('request', (req: IncomingMessage) => {
    req.resume();
    answer(req.socket);
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => answer(socket));
  p.url = `http://127.0.0.1:${await listen(server)}`;
  return p;
}

/** A loopback port nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await closeServer(s);
  return port;
}
