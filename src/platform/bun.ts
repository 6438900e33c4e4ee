// Bun entry: the same API, with Bun's WebSocket and fetch given the proxy that applies (bun-network.ts). Bun's
// WebSocket ignores HTTPS_PROXY by itself; this entry passes it (or the `proxy` option) as Bun's `proxy` option.
import { setPlatformNetwork } from '../transport/websocket.ts';
import { setPlatformFetch } from '../transport/platform-fetch.ts';
import { bunFetch, bunNetwork } from './bun-network.ts';

setPlatformNetwork(bunNetwork);
// callApi() and respond() without a `fetch`: the same proxy rules as the client's.
setPlatformFetch(bunFetch);

export * from '../index.ts';
