// Node's http module speaks IncomingMessage/ServerResponse, not Request/Response: this adapts a fetch-style
// handler (such as createConnectionUrlHandler) so the same handler serves Node, Deno, Bun and Workers.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function toNodeListener(handler: (request: Request) => Response | Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const method = req.method ?? 'GET';
      const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"ok":false,"error":"internal_error"}');
      }
    }
  };
}
