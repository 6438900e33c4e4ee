// Request and response plumbing for the HTTP routes: bounded bodies (form or JSON), the bearer token, CORS,
// JSON answers, and HttpError (a status and a Slack-style error string).
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 1024 * 1024;

// Permissive on purpose (real Slack rejects Authorization in the apps.connections.open preflight; the
// simulator must not get in the way of the browser dev panel).
export const CORS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
  'Access-Control-Max-Age': '600',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(error);
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...headers,
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request_too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const isJson = (req: IncomingMessage): boolean =>
  (req.headers['content-type'] ?? '').toLowerCase().includes('application/json');

/** Form or JSON body as a plain object (Slack accepts both for most methods). */
export async function parseBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text) return {};
  if (isJson(req)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new HttpError(200, 'invalid_json');
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(200, 'invalid_json');
    return v as Record<string, unknown>;
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}
