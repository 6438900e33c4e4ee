// The panel's files sent compressed when the request accepts it: br, else gzip, else as they are. vite names
// assets by content hash, so each file's compressed bytes are made once (on first request) and kept, keyed by path,
// size and mtime (a rebuilt index.html is compressed again).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Text types only; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.map']);
const MIN_BYTES = 1024;

type Encoding = 'br' | 'gzip';
const cache = new Map<string, { key: string; br?: Buffer; gzip?: Buffer }>();

/** The best encoding `accept-encoding` allows (a `;q=0` refuses one). */
export function pickEncoding(accept: string | undefined): Encoding | undefined {
  const ok = new Set<string>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) ok.add(name);
  }
  return ok.has('br') ? 'br' : ok.has('gzip') || ok.has('*') ? 'gzip' : undefined;
}

/** Answer 200 with `file` (already checked to exist and be servable), compressed if it pays. */
export function sendAsset(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  size: number,
  headers: Record<string, string>,
): void {
  const enc =
    COMPRESSIBLE.has(extname(file)) && size >= MIN_BYTES ? pickEncoding(req.headers['accept-encoding']) : undefined;
  const vary = COMPRESSIBLE.has(extname(file)) ? { vary: 'accept-encoding' } : {};
  const body = enc ? compressed(file, enc) : undefined;
  if (!enc || !body) {
    res.writeHead(200, { ...headers, ...vary, 'content-length': String(size) });
    if (req.method === 'HEAD') return void res.end();
    return void createReadStream(file).pipe(res);
  }
  res.writeHead(200, { ...headers, ...vary, 'content-encoding': enc, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function compressed(file: string, enc: Encoding): Buffer | undefined {
  try {
    const st = statSync(file);
    const key = `${st.size}:${st.mtimeMs}`;
    let entry = cache.get(file);
    if (!entry || entry.key !== key) cache.set(file, (entry = { key }));
    if (!entry[enc]) {
      const raw = readFileSync(file);
      entry[enc] =
        enc === 'br'
          ? brotliCompressSync(raw, {
              params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
            })
          : gzipSync(raw, { level: 9 });
    }
    return entry[enc];
  } catch {
    return undefined; // gone since the stat: sent as it is (or its 404) by the caller's stream
  }
}
