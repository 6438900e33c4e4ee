// The Socket Mode client this page runs, through the WebSocket tap: the Connect/Disconnect button and pool size,
// and what the client says on the timeline and in the status badge.
import { connectionUrlFrom } from '../../backend/connection-url.ts';
import { SocketModeClient, type SlackEventArgs } from '../../index.ts';
import { $, toast } from './dom.ts';
import { readTap } from './read-tap.ts';
import type { Session } from './session.ts';
import { setStatus, statusIs } from './status.ts';
import { tappedWebSocket } from './tap.ts';

export interface PageClient {
  connect(): Promise<void>;
  /** The running client, if any. */
  current(): SocketModeClient | undefined;
}

export function pageClient(
  session: Session,
  connectionUrl: string,
  onEvent: (args: SlackEventArgs) => void,
): PageClient {
  let client: SocketModeClient | undefined;
  const connectBtn = $('connect') as HTMLButtonElement;
  const poolInput = $('pool') as HTMLInputElement;
  const TapWS = tappedWebSocket((ev) => readTap(session, ev));

  const liveText = (): string => {
    const n = session.liveSockets().length;
    return n === 1 ? 'connected' : `connected · ${n} sockets`;
  };
  session.on('sockets', () => {
    if (statusIs('connected')) setStatus('connected', liveText());
  });

  const connect = async (): Promise<void> => {
    if (client) return;
    const pool = Math.max(1, Math.min(10, Number(poolInput.value) || 1));
    const c = (client = new SocketModeClient({
      openConnection: connectionUrlFrom(connectionUrl),
      WebSocket: TapWS,
      connections: pool,
      // A console shows every redelivery: the page's client does not suppress duplicates.
      dedupe: false,
      logLevel: 'warn',
    }));
    c.on('slack_event', onEvent);
    c.on('connecting', () => {
      if (!statusIs('connected')) setStatus('connecting', 'connecting…');
    });
    c.on('connected', (e) => {
      setStatus('connected', liveText());
      session.addTimeline({
        at: Date.now(),
        kind: 'connected',
        label: e.replaced ? 'replaced' : 'connected',
        detail: `${e.connection_id} · num_connections ${e.num_connections ?? '?'}${e.replaced ? ` · replaced ${e.replaced}` : ''}`,
      });
    });
    c.on('reconnecting', (e) => {
      if (!e.makeBeforeBreak) setStatus('reconnecting', `reconnecting (${e.reason})`);
      session.addTimeline({
        at: Date.now(),
        kind: 'reconnecting',
        label: `reconnect: ${e.reason}`,
        detail: e.makeBeforeBreak
          ? `slot ${e.slot}, make-before-break`
          : `slot ${e.slot}, attempt ${e.attempt}, in ${e.delayMs} ms`,
      });
    });
    c.on('disconnected', (e) => {
      session.addTimeline({
        at: Date.now(),
        kind: 'disconnected',
        label: `disconnected: ${e.reason}`,
        detail: e.error ? `${e.error.code}: ${e.error.message}` : e.willReconnect ? 'will reconnect' : 'stopped',
      });
      if (e.willReconnect) setStatus('reconnecting', `reconnecting (${e.reason})`);
      else {
        setStatus(e.error ? 'error' : 'disconnected', e.error ? `stopped: ${e.error.code}` : 'disconnected');
        if (client === c) {
          client = undefined;
          connectBtn.textContent = 'Connect';
        }
      }
    });
    c.on('error', (err) => {
      session.addTimeline({ at: Date.now(), kind: 'error', label: err.code, detail: err.message });
    });
    connectBtn.textContent = 'Disconnect';
    setStatus('connecting', 'connecting…');
    try {
      await c.start();
    } catch (x) {
      const code = (x as { code?: string }).code ?? 'error';
      setStatus('error', `failed: ${code}`);
      session.addTimeline({ at: Date.now(), kind: 'error', label: code, detail: (x as Error).message });
      toast(`Connect failed: ${(x as Error).message}`, 'error');
      if (client === c) {
        client = undefined;
        connectBtn.textContent = 'Connect';
        void c.disconnect().catch(() => undefined);
      }
    }
  };
  const disconnect = async (): Promise<void> => {
    const c = client;
    if (!c) return;
    client = undefined;
    connectBtn.textContent = 'Connect';
    await c.disconnect().catch(() => undefined);
    setStatus('disconnected', 'disconnected');
  };
  connectBtn.addEventListener('click', () => void (client ? disconnect() : connect()));

  return { connect, current: () => client };
}
