// Node entry: the same API, with isomorphic-ws (→ ws) as the default WebSocket on every Node version — also
// over Node 22+'s global (undici) one, which cannot ping (no half-open detection) nor have its writes
// coalesced. Pass `WebSocket: globalThis.WebSocket` to use the global one. Only this file imports ws, so
// browser/workerd bundles never do.
import WebSocketImpl from 'isomorphic-ws';
import { setDefaultWebSocket, type WebSocketConstructor } from '../transport/websocket.ts';

setDefaultWebSocket(WebSocketImpl as unknown as WebSocketConstructor, { overGlobal: true });

export * from '../index.ts';
export { toNodeListener } from './node-http.ts';
