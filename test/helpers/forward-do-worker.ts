// A Worker whose Durable Object runs Socket Mode and forwards each envelope to the Worker's own HTTP-style app (a
// Hono app that verifies Slack's signature with Web Crypto): an HTTP-mode app with no public Request URL. Bundled
// for workerd and run by miniflare in test/forward-durable-object.test.ts.
import { Hono } from 'hono';
import { SocketModeClient } from '../../src/index.ts';
import { createForwarder, type Delivery } from '../../src/forward/index.ts';
import { slackSignature as signature } from './slack-signature.ts';

interface Env {
  FORWARDER: { idFromName(name: string): unknown; get(id: unknown): { fetch(req: Request): Promise<Response> } };
  SLACK_APP_TOKEN: string;
  SLACK_SIGNING_SECRET: string;
  SLACK_API_URL: string;
}

/** What the app saw (same isolate as the object): kind and content type per verified request. */
const seen: string[] = [];

const app = new Hono<{ Bindings: Env }>();
app.post('/slack/events', async (c) => {
  const raw = await c.req.text();
  const ts = c.req.header('x-slack-request-timestamp') ?? '';
  if (c.req.header('x-slack-signature') !== (await signature(c.env.SLACK_SIGNING_SECRET, ts, raw)))
    return c.text('invalid signature', 401);
  if (c.req.header('content-type') === 'application/json') {
    seen.push(`event ${JSON.parse(raw).event.type} retry=${c.req.header('x-slack-retry-num') ?? '-'}`);
    return c.body(null, 200);
  }
  const form = new URLSearchParams(raw);
  const payload = form.get('payload');
  if (payload === null) {
    seen.push(`command ${form.get('command')}`);
    return c.text(`edge: ${form.get('text')}`);
  }
  const p = JSON.parse(payload);
  seen.push(p.type);
  if (p.type === 'view_submission') return c.json({ response_action: 'errors', errors: { b: 'edge says no' } });
  if (p.type === 'block_suggestion')
    return c.json({ options: [{ text: { type: 'plain_text', text: 'e' }, value: 'e' }] });
  return c.body(null, 200);
});

export class ForwarderDO {
  private client: SocketModeClient | undefined;
  private readonly deliveries: Delivery[] = [];
  constructor(
    _ctx: unknown,
    private readonly env: Env,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/start' && !this.client) {
      const client = new SocketModeClient({ appToken: this.env.SLACK_APP_TOKEN, apiUrl: this.env.SLACK_API_URL });
      client.on('error', () => undefined);
      createForwarder({
        client,
        signingSecret: this.env.SLACK_SIGNING_SECRET,
        // The Worker's own app, called in-process: no HTTP, no public URL.
        to: (req) => app.fetch(req, this.env),
        onDelivery: (d) => this.deliveries.push(d),
      });
      this.client = client;
      await client.start();
    } else if (pathname === '/stop') {
      await this.client?.disconnect({ timeoutMs: 100 });
      this.client = undefined;
    }
    return Response.json({
      running: this.client !== undefined,
      seen,
      deliveries: this.deliveries.map((d) => ({ what: d.what, status: d.status, acked: d.acked, target: d.target })),
    });
  }
}

export default {
  fetch(request: Request, env: Env): Promise<Response> | Response {
    const { pathname } = new URL(request.url);
    if (pathname === '/slack/events') return app.fetch(request, env);
    return env.FORWARDER.get(env.FORWARDER.idFromName('one')).fetch(request);
  },
};
