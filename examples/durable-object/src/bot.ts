// A Socket Mode bot that lives in a Durable Object.
//
// Why a Durable Object: a Worker invocation ends, but a DO is a single long-lived instance that can hold the
// outbound WebSocket. Its limits shape this file (see README.md):
// - An outbound WebSocket cannot hibernate; it keeps the object alive for a while, but eviction, deploys
//   and runtime updates still drop it. The alarm is the watchdog: it fires at least every WATCHDOG_SECONDS,
//   and a fresh object (after eviction / deploy / crash) has no client, so the alarm starts one.
// - The client rotates its socket make-before-break every ROTATE_SECONDS (default 5 min), well inside the
//   15 minutes an outbound socket keeps the object alive.
// - Acks never wait for handler work: handlers ack first and hand slow work to ctx.waitUntil.
// - Dedupe lives in the object's storage, so an event redelivered across a restart is handled once.
import {
  SocketModeClient,
  callApi,
  durableObjectDedupeStore,
  respond,
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
}
interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(req: Request): Promise<Response> };
}

export class SocketModeBot {
  private client: SocketModeClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly bootedAt = Date.now();
  private hellos = 0;

  constructor(private readonly ctx: DurableObjectState, private readonly env: Env) {}

  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/start') {
      await this.ctx.storage.put('enabled', true);
      await this.armWatchdog();
      await this.ensureStarted();
    } else if (pathname === '/stop') {
      await this.ctx.storage.put('enabled', false);
      await this.ctx.storage.deleteAlarm();
      const client = this.client;
      this.client = undefined;
      await client?.disconnect();
    }
    return Response.json({
      enabled: (await this.ctx.storage.get<boolean>('enabled')) ?? false,
      running: this.client !== undefined,
      hellos: this.hellos,
      bootedAt: this.bootedAt,
    });
  }

  /** The watchdog: (re)starts the client on a fresh object, and re-arms itself. */
  async alarm(): Promise<void> {
    if (!(await this.ctx.storage.get<boolean>('enabled'))) return;
    await this.armWatchdog();
    await this.ensureStarted().catch(() => undefined); // failures are logged; the next alarm tries again
  }

  private armWatchdog(): Promise<void> {
    const seconds = Number(this.env.WATCHDOG_SECONDS ?? 30);
    return this.ctx.storage.setAlarm(Date.now() + seconds * 1000);
  }

  private ensureStarted(): Promise<void> {
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

    client.on('connected', () => {
      this.hellos++;
    });
    client.on('app_mention', ({ ack, event }) => {
      void ack();
      // The reply is slow work (a Web API call): off the ack path, kept alive by waitUntil.
      this.ctx.waitUntil(
        callApi('chat.postMessage', { channel: event.channel, text: `echo: ${event.text}` }, { token: this.env.SLACK_BOT_TOKEN, apiUrl }),
      );
    });
    client.on('slash_commands', ({ ack, body }) => {
      void ack({ text: `echo: ${body.text}` });
      if (typeof body.response_url === 'string') {
        this.ctx.waitUntil(respond(body.response_url, { text: 'done', response_type: 'ephemeral' }));
      }
    });
    client.on('error', (err) => console.error(`[do-bot] ${err.code}: ${err.message}`));
    client.on('disconnected', () => {
      // A client that gave up (link_disabled, fatal auth) is dropped; the watchdog decides what next.
      if (this.client === client && !client.isActive) this.client = undefined;
    });

    this.starting = client.start().then(
      () => {
        this.starting = undefined;
      },
      (err) => {
        this.starting = undefined;
        if (this.client === client) this.client = undefined;
        throw err;
      },
    );
    return this.starting!;
  }
}

/** The Worker in front: routes /start, /stop and /status to the one bot object. */
export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return env.BOT.get(env.BOT.idFromName('bot')).fetch(request);
  },
};
