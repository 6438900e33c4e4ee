// Baseline "the limit": a hand-written minimal client on `ws`. apps.connections.open with fetch, then
// per frame only JSON.parse and, for an envelope, send {"envelope_id"} at once. No validation, no
// events library, no dedupe. Reconnect = naive: open a new socket when the old one closes.
import WebSocket from 'ws';
import { runClient } from './harness.mjs';
import { openUrl } from './open-url.mjs';

runClient({
  name: 'raw',
  describe: 'hand-written ws client: JSON.parse + send ack (no validation, naive reconnect on close)',
  autoAcks: true,
  create({ apiUrl, appToken, onEnvelope, onError }) {
    let ws;
    let stopping = false;
    const connect = () =>
      new Promise((resolve, reject) => {
        openUrl(apiUrl, appToken).then((url) => {
          const sock = new WebSocket(url);
          ws = sock;
          sock.on('message', (data) => {
            const msg = JSON.parse(data.toString());
            if (msg.envelope_id) {
              sock.send(`{"envelope_id":"${msg.envelope_id}"}`);
              onEnvelope(msg);
            } else if (msg.type === 'hello') resolve();
          });
          sock.on('error', onError);
          sock.on('close', () => {
            if (!stopping && ws === sock) connect().catch(() => {});
            reject(new Error('closed before hello'));
          });
        }, reject);
      });
    return {
      start: connect,
      stop() {
        stopping = true;
        if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
        return new Promise((r) => {
          ws.once('close', r);
          ws.close();
          setTimeout(() => {
            ws.terminate();
            r();
          }, 1000).unref();
        });
      },
    };
  },
});
