// Node entry: the same API, plus isomorphic-ws (→ ws) as the default WebSocket when Node has no global one
// (Node 20 without --experimental-websocket). Only this file imports ws, so browser/workerd bundles never do.
import WebSocketImpl from 'isomorphic-ws';
import { setDefaultWebSocket, type WebSocketConstructor } from '../transport/websocket.ts';

if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
  setDefaultWebSocket(WebSocketImpl as unknown as WebSocketConstructor);
}

export * from '../index.ts';
export { toNodeListener } from './node-http.ts';
