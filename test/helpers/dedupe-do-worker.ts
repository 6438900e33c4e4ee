// A Durable Object that exposes durableObjectDedupeStore(ctx.storage) over fetch, for test/dedupe-store.test.ts
// (bundled for workerd, run by miniflare).
import {
  durableObjectDedupeStore,
  type DurableObjectDedupeStore,
  type DurableObjectStorageLike,
} from '../../src/index.ts';

interface Env {
  DEDUPE: { idFromName(name: string): unknown; get(id: unknown): { fetch(req: Request): Promise<Response> } };
}

export class DedupeDO {
  private readonly stores = new Map<number, DurableObjectDedupeStore>();
  private readonly storage: DurableObjectStorageLike;
  constructor(ctx: { storage: DurableObjectStorageLike }, _env: Env) {
    this.storage = ctx.storage;
  }

  async fetch(req: Request): Promise<Response> {
    const u = new URL(req.url);
    const ttlMs = Number(u.searchParams.get('ttl') ?? 900_000);
    let store = this.stores.get(ttlMs);
    if (!store) {
      store = durableObjectDedupeStore(this.storage, { ttlMs, pruneEvery: 0 });
      this.stores.set(ttlMs, store);
    }
    switch (u.pathname) {
      case '/seen':
        return Response.json({ seen: await store.seen(u.searchParams.get('key') ?? '') });
      case '/forget-memory': // a new store object, as after an eviction: only storage remembers
        this.stores.clear();
        return Response.json({ ok: true });
      case '/prune':
        return Response.json({ forgotten: await store.prune() });
      case '/keys':
        return Response.json({ keys: [...(await this.storage.list({ prefix: 'sma-dedupe:' })).keys()] });
      default:
        return new Response('not found', { status: 404 });
    }
  }
}

export default {
  fetch(req: Request, env: Env): Promise<Response> {
    return env.DEDUPE.get(env.DEDUPE.idFromName('one')).fetch(req);
  },
};
