// Deno entry: the same API; a `proxy` option becomes a Deno HttpClient for both the fetch and the WebSocket
// (deno-network.ts). Without one, Deno's own networking applies HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
import { setPlatformNetwork } from '../transport/websocket.ts';
import { denoNetwork } from './deno-network.ts';

setPlatformNetwork(denoNetwork);

export * from '../index.ts';
