// SocketModeReceiver for Bolt: a drop-in for Bolt's own, on this package's SocketModeClient. Bolt is a type
// here only: the receiver never loads it, so it stays small and works with whichever Bolt (4 or 5) the app has.
import type { App, Receiver } from '@slack/bolt';
import { SocketModeClient } from '../client.ts';
import { ConsoleLogger, redactingLogger, type Logger, type LogLevel } from '../core/logger.ts';
import type { HelloInfo, SlackEventArgs } from '../core/types.ts';
import { DEFAULT_API_URL } from '../core/web-api.ts';
import { envelopeInfo, toReceiverEvent } from './event.ts';
import type { ProcessEventErrorHandlerArgs, SocketModeReceiverOptions } from './options.ts';
import { defaultProcessEventErrorHandler } from './process-event-error.ts';

const BOLT_ONLY_OPTIONS = [
  'clientId',
  'clientSecret',
  'stateSecret',
  'redirectUri',
  'installationStore',
  'scopes',
  'installerOptions',
  'customRoutes',
];

export class SocketModeReceiver implements Receiver {
  /** This package's SocketModeClient: its events, health(), handlerStats, … */
  readonly client: SocketModeClient;
  /**
   * The Web API base as Bolt's `clientOptions.slackApiUrl` wants it: the same `apiUrl` the receiver connects
   * with, so the App's calls (say(), respond(), views.open) go where its events come from.
   */
  readonly slackApiUrl: string;
  #app: App | undefined;
  // Until the App is made: the given logger, or the console's. Then the App's, unless a logger or level was given.
  #logger: Logger;
  readonly #ownLogger: boolean;
  // What the receiver itself logs goes through this: the current logger, every argument redacted.
  readonly #log: Logger;
  readonly #extract: NonNullable<SocketModeReceiverOptions['customPropertiesExtractor']>;
  readonly #onError: NonNullable<SocketModeReceiverOptions['processEventErrorHandler']>;

  constructor(options: SocketModeReceiverOptions) {
    const { logger, logLevel, customPropertiesExtractor, processEventErrorHandler, ...clientOptions } = options ?? {};
    this.#extract = customPropertiesExtractor ?? (() => ({}));
    this.#onError = processEventErrorHandler ?? defaultProcessEventErrorHandler;
    this.#ownLogger = logger !== undefined || logLevel !== undefined;
    this.#logger = (logger as Logger | undefined) ?? new ConsoleLogger('socket-mode');
    if (logLevel !== undefined) this.#logger.setLevel(logLevel as LogLevel);
    const apiUrl = clientOptions.apiUrl ?? DEFAULT_API_URL;
    this.slackApiUrl = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
    // The client logs through the receiver's current logger (the App's, once there is one).
    const via =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (...msg: unknown[]) =>
        this.#logger[level](...msg);
    const forward: Logger = {
      debug: via('debug'),
      info: via('info'),
      warn: via('warn'),
      error: via('error'),
      setLevel: (l) => this.#logger.setLevel(l),
      getLevel: () => this.#logger.getLevel(),
      setName: (n) => this.#logger.setName(n),
    };
    this.#log = redactingLogger(forward);
    // Bolt's own receiver options this one has no use for (it runs no HTTP server): told, not silently ignored.
    for (const name of BOLT_ONLY_OPTIONS) {
      if (name in clientOptions)
        this.#log.warn(
          `Option ${name} is for Bolt's own SocketModeReceiver (OAuth and custom routes over HTTP); ignored here`,
        );
    }
    this.client = new SocketModeClient({ ...clientOptions, logger: forward });
    // One listener for every envelope: Bolt routes by body, so the per-type events are not used.
    this.client.on('slack_event', (args) => this.#onEnvelope(args));
  }

  /** Called by Bolt's App constructor. */
  init(app: App): void {
    this.#app = app;
    if (!this.#ownLogger && app.logger) this.#logger = app.logger as unknown as Logger;
    const appUrl = (app.client as { slackApiUrl?: string } | undefined)?.slackApiUrl;
    // Compared without a trailing slash: WebClient takes the URL either way.
    if (appUrl !== undefined && appUrl.replace(/\/$/, '') !== this.slackApiUrl.replace(/\/$/, '')) {
      this.#log.error(
        `The App's Web API (${appUrl}) is not the receiver's (${this.slackApiUrl}): say(), respond() and ` +
          `client calls go to the first, events come from the second. Pass clientOptions: { slackApiUrl: ` +
          `receiver.slackApiUrl } to the App, or build both with boltOptions().`,
      );
    }
  }

  /** Connects; resolves on the first hello (rejects on a fatal error: bad token, link_disabled). */
  start(): Promise<HelloInfo> {
    return this.client.start();
  }

  /** Stops as client.disconnect() does: envelopes already received still get their acks (drainTimeoutMs). */
  stop(): Promise<void> {
    return this.client.disconnect();
  }

  async #onEnvelope(args: SlackEventArgs): Promise<void> {
    const app = this.#app;
    if (args.body === null || typeof args.body !== 'object' || !app) {
      // Nothing Bolt could route (or no App yet): acked, or Slack would retry it in vain.
      this.#log.warn(`${app ? 'No body' : 'No Bolt App yet'} for envelope ${args.envelope_id} (${args.type}); acked`);
      return args.ack();
    }
    const event = toReceiverEvent(args, this.#log, this.#extract);
    try {
      await app.processEvent(event);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const logger = this.#log as unknown as ProcessEventErrorHandlerArgs['logger'];
      if (await this.#onError({ error, logger, event, envelope: envelopeInfo(args, event) })) return event.ack();
      // Not acked: thrown on, so the client counts the failure (dedupe forgets the envelope, and Slack's retry
      // reaches the App again, as it does with Bolt's own receiver).
      throw error;
    }
  }
}
