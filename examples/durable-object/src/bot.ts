// A Socket Mode bot that lives in a Durable Object.
//
// Why a Durable Object: a Worker invocation ends, but a DO is a single long-lived instance that can hold the
// outbound WebSocket. Its limits shape this file (see README.md):
// - An outbound WebSocket cannot hibernate; it keeps the object alive for a while, but eviction, deploys
//   and runtime updates still drop it. The alarm is the watchdog: it fires every WATCHDOG_SECONDS (default
//   10), and a fresh object (after eviction / deploy / crash) has no client, so the alarm starts one.
// - The client rotates its socket make-before-break every ROTATE_SECONDS (default 5 min): Workers' WebSocket
//   cannot ping, so rotation is what bounds a silently dead socket.
// - One object, one client: a client that is reconnecting is still the client (the next alarm must not start
//   a second one); only a client that stopped for good is dropped.
// - Every envelope gets its ack, whatever its type: Slack retries unacked events (and disables delivery for
//   apps that keep failing), and a command or interaction nobody acks fails for the user.
// - Acks never wait for handler work: handlers ack first and hand slow work to ctx.waitUntil.
// - Dedupe lives in the object's storage, so an event redelivered across a restart is handled once.
import {
  SocketModeClient,
  callApi,
  durableObjectDedupeStore,
  respond,
  type DisconnectedEvent,
  type DurableObjectStorageLike,
} from 'socket-mode-anywhere';

export interface Env {
  BOT: DurableObjectNamespace;
  SLACK_APP_TOKEN: string;
  SLACK_BOT_TOKEN: string;
  /** Optional: another Web API base (the local simulator in tests). */
  SLACK_API_URL?: string;
  WATCHDOG_SECONDS?: string;
  ROTATE_SECONDS?: string;
}

// Minimal structural types so this file needs no @cloudflare/workers-types to read.
interface DurableObjectState {
  storage: DurableObjectStorageLike & {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    setAlarm(at: number): Promise<void>;
    deleteAlarm(): Promise<void>;
  };
  waitUntil(p: Promise<unknown>): void;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}
interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(req: Request): Promise<Response> };
}

export class SocketModeBot {
  private client: SocketModeClient | undefined;
  private starting: Promise<void> | undefined;
  /** The stored on/off switch, read once per object; /start and /stop change both copies. */
  private enabled = false;
  private readonly bootedAt = Date.now();
  private clientsStarted = 0;
  private hellos = 0;
  private watchdogWakes = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    // No fetch or alarm runs before the switch is known.
    void ctx.blockConcurrencyWhile(async () => {
      this.enabled = (await ctx.storage.get<boolean>('enabled')) ?? false;
    });
  }

  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    let error: string | undefined;
    if (pathname === '/start') {
      this.enabled = true;
      await this.ctx.storage.put('enabled', true);
      await this.armWatchdog();
      // A failed start is reported here; the watchdog keeps trying while the bot is enabled.
      error = await this.ensureStarted().then(
        () => undefined,
        (err: { code?: string; message?: string }) => err.code ?? err.message ?? 'start failed',
      );
    } else if (pathname === '/stop') {
      // Switched off before any await: an alarm already running sees it and starts nothing.
      this.enabled = false;
      const client = this.client;
      this.client = undefined;
      await this.ctx.storage.put('enabled', false);
      await this.ctx.storage.deleteAlarm();
      await client?.disconnect();
    }
    return Response.json({
      enabled: this.enabled,
      running: this.client !== undefined,
      state: this.client?.state ?? 'none',
      liveConnections: this.client?.connectionCount ?? 0,
      clientsStarted: this.clientsStarted,
      hellos: this.hellos,
      watchdogWakes: this.watchdogWakes,
      bootedAt: this.bootedAt,
      ...(error ? { error } : {}),
    });
  }

  /** The watchdog: (re)starts the client on a fresh object, and re-arms itself. */
  async alarm(): Promise<void> {
    this.watchdogWakes++;
    if (!this.enabled) return;
    await this.armWatchdog();
    // The alarm only starts the client; it does not wait for hello (the client's own retries can take a while,
    // and the next wake must not queue behind them). Failures are logged; the next alarm tries again.
    void this.ensureStarted().catch(() => undefined);
  }

  private armWatchdog(): Promise<void> {
    const seconds = Number(this.env.WATCHDOG_SECONDS ?? 10);
    return this.ctx.storage.setAlarm(Date.now() + seconds * 1000);
  }

  /**
   * Starts the one client unless there is one. The check and the assignment run with no await between them,
   * so an alarm and a request arriving together still make one client.
   */
  private ensureStarted(): Promise<void> {
    if (!this.enabled) return Promise.resolve(); // /stop came in while the caller awaited storage
    if (this.client?.state === 'disconnected') this.drop(this.client); // stopped without us seeing it
    if (this.client) return this.starting ?? Promise.resolve();
    const apiUrl = this.env.SLACK_API_URL;
    const client = new SocketModeClient({
      appToken: this.env.SLACK_APP_TOKEN,
      apiUrl,
      rotateAfterMs: Number(this.env.ROTATE_SECONDS ?? 300) * 1000,
      // Redeliveries are remembered in storage, so a restarted object does not answer an event twice.
      dedupe: durableObjectDedupeStore(this.ctx.storage),
    });
    this.client = client;
    this.clientsStarted++;
    this.listen(client, apiUrl);

    this.starting = client.start().then(
      () => {
        if (this.client === client) this.starting = undefined;
      },
      (err) => {
        if (this.client === client) this.starting = undefined;
        this.drop(client);
        throw err;
      },
    );
    return this.starting;
  }

  /** Forgets a client and makes sure it is stopped (disconnect() is a no-op on one that already stopped). */
  private drop(client: SocketModeClient): void {
    if (this.client === client) this.client = undefined;
    void client.disconnect();
  }

  private listen(client: SocketModeClient, apiUrl: string | undefined): void {
    const bot = { token: this.env.SLACK_BOT_TOKEN, apiUrl };

    // Events API: every event is acked here, whatever its type; an ack carries nothing back for events.
    // Handlers for the events the bot cares about (below) do the work only.
    client.on('slack_event', ({ type, ack }) => {
      if (type === 'events_api') void ack();
    });
    client.on('app_mention', ({ event }) => {
      // The reply is slow work (a Web API call): off the ack path, kept alive by waitUntil.
      this.ctx.waitUntil(callApi('chat.postMessage', { channel: event.channel, text: `echo: ${event.text}` }, bot));
    });

    // Slash commands: the ack payload is the reply the user sees.
    client.on('slash_commands', ({ ack, body }) => {
      void ack({ text: `echo: ${body.text}` });
      if (typeof body.response_url === 'string') {
        this.ctx.waitUntil(respond(body.response_url, { text: 'done', response_type: 'ephemeral' }));
      }
    });

    // Interactivity: each kind has its own ack.
    client.on('interactive', ({ ack, body }) => {
      switch (body.type) {
        case 'block_suggestion':
          // An external select's options travel in the ack (an empty ack shows the user an error).
          void ack({
            options: [{ text: { type: 'plain_text', text: `echo: ${String(body.value ?? '')}` }, value: 'echo' }],
          });
          return;
        case 'view_submission':
          // An empty ack closes the modal; `{ response_action: 'errors', errors: {…} }` keeps it open instead.
          void ack();
          return;
        case 'block_actions':
          void ack();
          if (typeof body.response_url === 'string') {
            this.ctx.waitUntil(respond(body.response_url, { text: 'clicked', response_type: 'ephemeral' }));
          }
          return;
        default:
          // shortcut, message_action, view_closed, …: the ack only says "received" (to open a modal, call
          // views.open with the body's trigger_id within 3 s).
          void ack();
      }
    });

    // An envelope type this client does not know yet: acked, so Slack does not count it as a failure.
    client.on('unknown_envelope', ({ ack }) => void ack());

    client.on('connected', () => {
      this.hellos++;
    });
    client.on('error', (err) => console.error(`[do-bot] ${err.code}: ${err.message}`));
    client.on('disconnected', (event: DisconnectedEvent) => {
      // willReconnect: the client is replacing a lost socket itself; it stays the one client. Otherwise it
      // stopped for good (link_disabled, a fatal auth error): drop it and let the watchdog start a fresh one.
      if (!event.willReconnect) this.drop(client);
    });
  }
}

/** The Worker in front: routes /start, /stop and /status to the one bot object. */
export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return env.BOT.get(env.BOT.idFromName('bot')).fetch(request);
  },
};
