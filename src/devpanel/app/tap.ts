// A WebSocket that reports every frame both ways: handed to the client as its `WebSocket` option, so the
// panel sees exactly what went over the wire (hello, disconnects, envelopes, the ack frames the client
// wrote) whatever the client does with them.

export type TapEvent =
  | { kind: 'opening'; socket: number; at: number; host: string }
  | { kind: 'open'; socket: number; at: number }
  | { kind: 'in'; socket: number; at: number; text: string | null; bytes: number }
  | { kind: 'out'; socket: number; at: number; text: string }
  /** The client called close(): it is done with the socket, whether or not the peer ever answers (half-open). */
  | { kind: 'closing'; socket: number; at: number }
  | { kind: 'close'; socket: number; at: number; code: number; reason: string; wasClean: boolean }
  | { kind: 'error'; socket: number; at: number };

let nextSocket = 0;

export function tappedWebSocket(report: (e: TapEvent) => void): typeof WebSocket {
  return class TappedWebSocket extends WebSocket {
    readonly tapId: number;
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const socket = (this.tapId = ++nextSocket);
      let host = '';
      try {
        host = new URL(String(url)).host; // never the ticket
      } catch {
        /* keep '' */
      }
      report({ kind: 'opening', socket, at: Date.now(), host });
      // Listeners added here run before the client's own: the panel sees a frame before the client acts on it.
      this.addEventListener('open', () => report({ kind: 'open', socket, at: Date.now() }));
      this.addEventListener('message', (ev: MessageEvent) => {
        const d: unknown = ev.data;
        if (typeof d === 'string') report({ kind: 'in', socket, at: Date.now(), text: d, bytes: d.length });
        else {
          const bytes = d instanceof Blob ? d.size : d instanceof ArrayBuffer ? d.byteLength : 0;
          report({ kind: 'in', socket, at: Date.now(), text: null, bytes });
        }
      });
      this.addEventListener('close', (ev: CloseEvent) =>
        report({ kind: 'close', socket, at: Date.now(), code: ev.code, reason: ev.reason, wasClean: ev.wasClean }),
      );
      this.addEventListener('error', () => report({ kind: 'error', socket, at: Date.now() }));
    }

    override close(code?: number, reason?: string): void {
      if (this.readyState < WebSocket.CLOSING) report({ kind: 'closing', socket: this.tapId, at: Date.now() });
      super.close(code, reason);
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === 'string') report({ kind: 'out', socket: this.tapId, at: Date.now(), text: data });
      super.send(data);
    }
  };
}
