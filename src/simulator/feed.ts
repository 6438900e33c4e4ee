// WebSocket /_sim/feed: a JSON stream of every simulator event, for the dev panel and other processes.
// Frames: {"event": <name>, "at": <epoch ms>, "data": <record>}; the first frame is {"event":"state", ...}.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { Records } from './records.ts';
import type { SimState } from './types.ts';

export class Feed {
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false });
  private readonly clients = new Set<WebSocket>();
  private readonly unsubscribe: () => void;

  constructor(
    records: Records,
    private readonly snapshot: () => SimState,
  ) {
    // Serialize only when someone listens: this runs for every record.
    this.unsubscribe = records.onAny((event, data) => {
      if (this.clients.size > 0) this.broadcast(JSON.stringify({ event, at: Date.now(), data }));
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => this.clients.delete(ws));
      ws.send(JSON.stringify({ event: 'state', at: Date.now(), data: this.snapshot() }));
    });
  }

  private broadcast(frame: string): void {
    for (const ws of this.clients) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  }

  close(): void {
    this.unsubscribe();
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    this.wss.close();
  }
}
