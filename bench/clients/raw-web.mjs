// Baseline "the limit" on a runtime's own WebSocket (Bun, Deno; started by bench/lib/measures.mjs with that
// runtime's binary): the same as raw.mjs, but on the standard WebSocket the runtime ships instead of `ws`.
// apps.connections.open with fetch, then per frame only JSON.parse and, for an envelope, send
// {"envelope_id"} at once. No validation, no events library, no dedupe, no write batching (none of these
// runtimes can batch a standard WebSocket's writes). Reconnect = naive: open a new socket when the old one closes.
import { runClient, runtimeName } from './harness.mjs';
import { openUrl } from './open-url.mjs';

runClient({
  name: 'raw-web',
  describe: `hand-written client on ${runtimeName()}'s global WebSocket: JSON.parse + send ack (no validation, naive reconnect on close)`,
  autoAcks: true,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    let ws;
    let stopping = false;
    const connect = () =>
      new Promise((resolve, reject) => {
        openUrl(apiUrl, appToken).then((url) => {
          const sock = new WebSocket(url);
          ws = sock;
          sock.onmessage = (ev) => {
            const msg = JSON.parse(ev.data);
            if (msg.envelope_id) {
              sock.send(`{"envelope_id":"${msg.envelope_id}"}`);
              onEnvelope(msg);
            } else if (msg.type === 'hello') resolve();
          };
          sock.onerror = (ev) => onError(ev.error ?? ev.message ?? 'WebSocket error');
          sock.onclose = () => {
            if (!stopping && ws === sock) connect().catch(() => {});
            reject(new Error('closed before hello'));
          };
        }, reject);
      });
    return {
      start: connect,
      stop() {
        stopping = true;
        if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
        return new Promise((r) => {
          const t = setTimeout(r, 1000);
          ws.addEventListener('close', () => {
            clearTimeout(t);
            r();
          });
          ws.close();
        });
      },
    };
  },
});
