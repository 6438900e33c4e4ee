// Node entry: the same API, with ws as the WebSocket on every Node version — also over Node 22+'s global (undici)
// one, which cannot ping (no half-open detection) nor have its writes coalesced; pass `WebSocket:
// globalThis.WebSocket` to use the global one. Both the socket and apps.connections.open go through the proxy
// the `proxy` option or HTTPS_PROXY / HTTP_PROXY / NO_PROXY name (node-network.ts). Only this entry imports ws
// and the proxy agents, so browser/workerd bundles never do.
import { setPlatformNetwork } from '../transport/websocket.ts';
import { setPlatformFetch } from '../transport/platform-fetch.ts';
import { nodeFetch, nodeNetwork } from './node-network.ts';

setPlatformNetwork(nodeNetwork);
// callApi() and respond() without a `fetch`: through the same proxy (Node's global fetch reads no variable).
setPlatformFetch(nodeFetch);

export * from '../index.ts';
export { toNodeListener } from './node-http.ts';
