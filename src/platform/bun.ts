// Bun entry: the same API, with Bun's WebSocket and fetch given the proxy that applies (bun-network.ts). Bun's
// WebSocket ignores HTTPS_PROXY by itself; this entry passes it (or the `proxy` option) as Bun's `proxy` option.
import { setPlatformNetwork } from '../transport/websocket.ts';
import { bunNetwork } from './bun-network.ts';

setPlatformNetwork(bunNetwork);

export * from '../index.ts';
