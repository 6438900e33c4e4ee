// WebSocket upgrades on the simulator's port: /link/ goes to the link, /_sim/feed to the feed; anything else
// (or anything before the simulator is ready) is refused with a plain HTTP answer.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Feed } from './feed.ts';
import type { Link } from './link.ts';

export interface UpgradeDeps {
  link: Link;
  /** the feed, once the server listens and the simulator is built (undefined before) */
  feed(): Feed | undefined;
}

export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => {}); // a reset during the handshake must not crash the process
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request'); // `GET http://[`: not a crash of the process
    }
    const feed = deps.feed();
    if (!feed) return rejectUpgrade(socket, 503, 'Service Unavailable');
    if (url.pathname === '/link/' || url.pathname === '/link') return deps.link.handleUpgrade(req, socket, head, url);
    if (url.pathname === '/_sim/feed') return feed.handleUpgrade(req, socket, head);
    rejectUpgrade(socket, 404, 'Not Found');
  };
}

export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify({ ok: false, error: text.toLowerCase().replace(/ /g, '_') });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
