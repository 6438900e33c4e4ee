// The Socket Mode client this page runs, through the WebSocket tap: the Connect/Disconnect button and pool size,
// and what the client says on the timeline and in the status badge.
import { connectionUrlFrom } from '../../backend/connection-url.ts';
import { SocketModeClient, type SlackEventArgs } from '../../index.ts';
import { confirmAcks } from './ack-confirm.ts';
import { connectionTrouble, watchConnection } from './conn-watch.ts';
import { $, toast } from './dom.ts';
import { explainGhosts, pageLogger } from './ghosts.ts';
import { panelBus } from './panel-bus.ts';
import { readTap } from './read-tap.ts';
import { replaceable, type Replaceable } from './replace-feature.ts';
import type { Session } from './session.ts';
import { setStatus, statusIs } from './status.ts';
import { tappedWebSocket } from './tap.ts';

export interface PageClient {
  connect(): Promise<void>;
  /** The running client, if any. */
  current(): SocketModeClient | undefined;
  /** Replace the client's connections make-before-break (the panel saw them stop being heard). How many. */
  replace(reason: string): number;
  /** Why the simulator no longer hears the page's connection (conn-watch.ts), while the client thinks it fine. */
  trouble(): string | undefined;
}

export function pageClient(
  session: Session,
  connectionUrl: string,
  onEvent: (args: SlackEventArgs) => void,
): PageClient {
  let client: SocketModeClient | undefined;
  let replacer: Replaceable | undefined;
  // link_disabled stops a client for good (fatal): the page connects again when the link is re-enabled.
  let stoppedByLinkDisabled = false;
  panelBus.onSim((r) => {
    if (r.event !== 'fault' || r.data['fault'] !== 'link_enabled' || !stoppedByLinkDisabled || client) return;
    stoppedByLinkDisabled = false;
    session.addTimeline({ at: Date.now(), kind: 'connecting', label: 'link re-enabled', detail: 'connecting again' });
    void connect();
  });
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
  // Against the simulator: acks count once it read them; the badge warns when it no longer hears the socket.
  confirmAcks(session);
  const poolSize = (): number => Math.max(1, Math.min(10, Number(poolInput.value) || 1));
  watchConnection({
    session,
    poolSize,
    liveText,
    replace: (reason) => (client && replacer ? replacer.replaceAll(reason) : 0),
  });

  const connect = async (): Promise<void> => {
    if (client) return;
    const pool = Math.max(1, Math.min(10, Number(poolInput.value) || 1));
    stoppedByLinkDisabled = false;
    const r = (replacer = replaceable());
    const c = (client = new SocketModeClient({
      features: [r.feature],
      // The ghost warning is the panel's to give: it knows the connections the dev setup opened (ghosts.ts).
      logger: pageLogger(),
      openConnection: connectionUrlFrom(connectionUrl),
      WebSocket: TapWS,
      connections: pool,
      // A console shows every redelivery: the page's client does not suppress duplicates.
      dedupe: false,
      logLevel: 'warn',
    }));
    c.on('slack_event', onEvent);
    c.on('ghost_connections', (e) => void explainGhosts(session, e));
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
      if (!e.willReconnect && e.error?.code === 'link_disabled') stoppedByLinkDisabled = true;
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

  return {
    connect,
    current: () => client,
    replace: (reason) => (client && replacer ? replacer.replaceAll(reason) : 0),
    trouble: () => (client ? connectionTrouble(session, poolSize()) : undefined),
  };
}
