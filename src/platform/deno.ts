// Deno entry: the same API; a `proxy` option becomes a Deno HttpClient for both the fetch and the WebSocket
// (deno-network.ts). Without one, Deno's own networking applies HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
import { setPlatformNetwork } from '../transport/websocket.ts';
import { setPlatformFetch } from '../transport/platform-fetch.ts';
import { denoFetch, denoNetwork } from './deno-network.ts';

setPlatformNetwork(denoNetwork);
// callApi() and respond() without a `fetch`: the same proxy rules as the client's.
setPlatformFetch(denoFetch);

export * from '../index.ts';
