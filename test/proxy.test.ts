// Behind a proxy, on Node (a bundled child), Bun and Deno: a real proxy (the `proxy` package) on loopback, whose
// passages are counted per leg (apps.connections.open, the WebSocket handshake), and the simulator on loopback.
// The simulator serves http:// and ws://, so HTTP_PROXY is the variable that applies to both legs (HTTPS_PROXY
// applies to https:// and wss:// only). Bad proxies (407, HTML in the server's place, a refused CONNECT, none
// listening) give a ProxyError that names the proxy without its credentials.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { bypassed, proxyFor } from '../src/platform/proxy-env.ts';
import { handshakeFailure } from '../src/platform/proxy-errors.ts';
import { bundle, root } from './helpers/bundle.ts';
import {
  deadPort,
  startBadProxy,
  startCountingProxy,
  type BadProxy,
  type CountingProxy,
} from './helpers/proxy-server.ts';

interface Report {
  hello: boolean;
  errors: Array<{ name: string; code: string; message: string; status?: number; proxy?: string; cause: string }>;
  logs: string[];
}

let sim: Simulator;
let stops: Array<() => Promise<void>>;
let nodeEntry: string;
let nodeApiEntry: string;

beforeAll(async () => {
  nodeEntry = await bundle('test/conformance/proxy-entry.ts', 'proxy-entry-node', 'node');
  nodeApiEntry = await bundle('test/conformance/proxy-api-entry.ts', 'proxy-api-entry-node', 'node');
});
beforeEach(async () => {
  sim = await startSimulator();
  stops = [];
});
afterEach(async () => {
  for (const s of stops) await s().catch(() => undefined);
  await sim.close();
});

async function counting(auth?: { user: string; pass: string }): Promise<CountingProxy> {
  const p = await startCountingProxy(auth);
  stops.push(() => p.close());
  return p;
}

async function bad(kind: 'html' | 'refuse-403' | 'refuse-502'): Promise<BadProxy> {
  const p = await startBadProxy(kind);
  stops.push(() => p.close());
  return p;
}

type Runtime = 'node' | 'bun' | 'deno';

function command(rt: Runtime, denoFlags: string[] = [], entry = 'proxy-entry'): [string, string[]] {
  if (rt === 'node') return [process.execPath, [entry === 'proxy-entry' ? nodeEntry : nodeApiEntry]];
  if (rt === 'bun') {
    return [
      join(root, 'node_modules/.bin/bun'),
      ['--preload', './test/helpers/bun-source-package.ts', `test/conformance/${entry}.ts`],
    ];
  }
  return [
    join(root, 'node_modules/.bin/deno'),
    [
      'run',
      '--allow-net=127.0.0.1',
      ...denoFlags,
      '--import-map=test/helpers/deno-import-map.json',
      `test/conformance/${entry}.ts`,
    ],
  ];
}

/** Runs the entry on `rt` with only `env` (no proxy variable of this machine's) and returns its report and output. */
function run(
  rt: Runtime,
  env: Record<string, string>,
  proxy?: string | false,
  mode?: 'ws-only',
  denoFlags?: string[],
): Promise<{ report: Report; output: string }> {
  const [cmd, args] = command(rt, denoFlags);
  const argv = [...args, sim.apiUrl, sim.appToken, proxy === undefined ? '' : JSON.stringify(proxy), mode ?? ''];
  return spawnReport<Report>(rt, cmd, argv, env, 'PROXY ');
}

/** Runs `cmd` with only `env` and PATH/HOME; resolves with the JSON after `marker` on its output's line. */
function spawnReport<R>(
  rt: Runtime,
  cmd: string,
  argv: string[],
  env: Record<string, string>,
  marker: string,
): Promise<{ report: R; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        NO_COLOR: '1',
        DENO_NO_UPDATE_CHECK: '1',
        ...env,
      },
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(marker));
      if (!line) return reject(new Error(`${rt} exited ${code} without a report\n${out}`));
      resolve({ report: JSON.parse(line.slice(marker.length)) as R, output: out });
    });
  });
}

// The rules (proxy-env.ts): curl's, where proxy-from-env (undici's reading) takes a bare host as itself only.
describe('which proxy a URL goes through', () => {
  const P = 'http://proxy.example:3128';
  it('ws:// and http:// read HTTP_PROXY; wss:// and https:// read HTTPS_PROXY; ALL_PROXY after; lowercase first', () => {
    const env = { HTTP_PROXY: 'http://h:1', HTTPS_PROXY: 'http://s:2' };
    expect(proxyFor('ws://a.example/x', undefined, env)).toBe('http://h:1');
    expect(proxyFor('http://a.example/x', undefined, env)).toBe('http://h:1');
    expect(proxyFor('wss://a.example/x', undefined, env)).toBe('http://s:2');
    expect(proxyFor('https://a.example/x', undefined, env)).toBe('http://s:2');
    expect(proxyFor('wss://a.example/x', undefined, { ALL_PROXY: 'http://all:3' })).toBe('http://all:3');
    expect(proxyFor('wss://a.example/x', undefined, { https_proxy: 'http://low:4', HTTPS_PROXY: 'http://up:5' })).toBe(
      'http://low:4',
    );
    expect(proxyFor('wss://a.example/x', undefined, { HTTPS_PROXY: 'proxy.example:3128' })).toBe(P);
    expect(proxyFor('wss://a.example/x', undefined, {})).toBe('');
  });
  it('the option overrides the environment; false turns it off', () => {
    const env = { HTTPS_PROXY: 'http://env:1', NO_PROXY: '*' };
    expect(proxyFor('wss://a.example/', P, env)).toBe(P);
    expect(proxyFor('wss://a.example/', false, { HTTPS_PROXY: 'http://env:1' })).toBe('');
  });
  it.each([
    ['*', 'wss://wss-primary.slack.com/link', true],
    ['slack.com', 'wss://wss-primary.slack.com/link', true],
    ['slack.com', 'https://slack.com/api/', true],
    // curl: a leading dot matches the domain itself too.
    ['.slack.com', 'https://slack.com/api/', true],
    ['.slack.com', 'wss://wss-primary.slack.com/', true],
    ['*.slack.com', 'wss://wss-primary.slack.com/', true],
    ['lack.com', 'https://slack.com/api/', false],
    ['SLACK.COM', 'https://Slack.com/api/', true],
    ['slack.com:443', 'https://slack.com/api/', true],
    ['slack.com:8443', 'https://slack.com/api/', false],
    ['example.com, 127.0.0.1', 'ws://127.0.0.1:9999/', true],
    ['127.0.0.1:9999', 'ws://127.0.0.1:9999/', true],
    ['127.0.0.1:9998', 'ws://127.0.0.1:9999/', false],
    ['localhost', 'ws://127.0.0.1:9999/', false],
    ['', 'ws://127.0.0.1:9999/', false],
    ['::1', 'http://[::1]:8080/', true],
    ['[::1]:8080', 'http://[::1]:8080/', true],
  ])('NO_PROXY=%j for %s: bypassed %s', (noProxy, url, expected) => {
    expect(bypassed(new URL(url), noProxy)).toBe(expected);
    expect(proxyFor(url, undefined, { HTTPS_PROXY: P, HTTP_PROXY: P, NO_PROXY: noProxy })).toBe(expected ? '' : P);
  });
  it('loopback is proxied unless NO_PROXY names it', () => {
    expect(proxyFor('ws://127.0.0.1:1/', undefined, { HTTP_PROXY: P })).toBe(P);
    expect(proxyFor('http://localhost:1/', undefined, { HTTP_PROXY: P })).toBe(P);
  });
});

// Bun's and Deno's words for a failed handshake (as their WebSocket gives them, seen in the runs below), read into a
// ProxyError: the status where they give one, the proxy named (without credentials) where they give none.
describe('what Bun or Deno said of a handshake through a proxy', () => {
  const P = 'http://dana:s3cret-pw@proxy.example:3128';
  const T = 'wss-primary.slack.com';
  const at = "WebSocket connection to 'wss://wss-primary.slack.com/link/?ticket=abc' failed: ";
  it.each([
    [`${at}Proxy connection failed: 403 Forbidden`, 403, 'Proxy http://proxy.example:3128 refused CONNECT to'],
    [`${at}Proxy authentication required: 407 Proxy Authentication Required`, 407, 'check the user and password'],
    [`${at}Expected 101 status code: 200`, 200, 'was answered 200 instead of a WebSocket upgrade (101)'],
    ['NetworkError: failed to connect to WebSocket: Invalid status code: 502', 502, 'was answered 502 Bad Gateway'],
    ['NetworkError: failed to connect to WebSocket: Invalid status code: 407', 407, '407 Proxy Authentication'],
    [`${at}Failed to connect`, undefined, 'Proxy http://proxy.example:3128 unreachable (Failed to connect)'],
    ['NetworkError: failed to connect to WebSocket: tcp connect error', undefined, 'unreachable (tcp connect error)'],
    ['', undefined, 'Through proxy http://proxy.example:3128, the WebSocket handshake to wss-primary.slack.com failed'],
    [`${at}dana:s3cret-pw went wrong`, undefined, 'failed: WebSocket connection to'],
  ])('%j', (said, status, words) => {
    const e = handshakeFailure(P, T, said);
    expect(e).toMatchObject({ name: 'ProxyError', code: 'proxy_error', proxy: 'http://proxy.example:3128', status });
    expect(e.message).toContain(words);
    expect(e.message).toContain(T);
    expect(`${e.message} ${e.stack} ${String((e.cause as Error).message)}`).not.toMatch(/dana|s3cret-pw|ticket=abc/);
  });
});

const RUNTIMES: Runtime[] = ['node', 'bun', 'deno'];
const ENV_VARS = 'HTTPS_PROXY,https_proxy,HTTP_PROXY,http_proxy,NO_PROXY,no_proxy';

describe.each(RUNTIMES)('%s', (rt) => {
  it('HTTP_PROXY carries both legs (ws:// and http://); HTTPS_PROXY alone does not apply to them', async () => {
    const p = await counting();
    const viaHttp = await run(rt, { HTTP_PROXY: p.url });
    expect(viaHttp.report.errors).toEqual([]);
    expect(viaHttp.report.hello).toBe(true);
    expect(p.legs()).toEqual({ webApi: 1, webSocket: 1 });
    const other = await counting();
    const viaHttps = await run(rt, { HTTPS_PROXY: other.url });
    expect(viaHttps.report.hello).toBe(true);
    expect(other.passages).toHaveLength(0);
  }, 90_000);

  it('NO_PROXY naming the loopback host bypasses the proxy; unnamed, loopback is proxied', async () => {
    const p = await counting();
    const bypassed = await run(rt, { HTTP_PROXY: p.url, NO_PROXY: 'example.com, 127.0.0.1' });
    expect(bypassed.report.hello).toBe(true);
    expect(p.passages).toHaveLength(0);
    const proxied = await run(rt, { HTTP_PROXY: p.url, NO_PROXY: 'example.com,localhost' });
    expect(proxied.report.hello).toBe(true);
    expect(p.legs()).toEqual({ webApi: 1, webSocket: 1 });
  }, 90_000);

  it('the proxy option overrides the environment, with basic auth', async () => {
    const envProxy = await counting();
    const p = await counting({ user: 'alice', pass: 'pa55-w0rd' });
    const { report } = await run(rt, { HTTP_PROXY: envProxy.url }, `http://alice:pa55-w0rd@127.0.0.1:${p.port}`);
    expect(report.errors).toEqual([]);
    expect(report.hello).toBe(true);
    expect(p.legs()).toEqual({ webApi: 1, webSocket: 1 });
    expect(p.refusedAuth).toBe(0);
    expect(envProxy.passages).toHaveLength(0);
  }, 60_000);

  it('proxy: false turns the environment proxy off (Deno: its own networking still applies it)', async () => {
    const p = await counting();
    const { report } = await run(rt, { HTTP_PROXY: p.url, HTTPS_PROXY: p.url }, false);
    expect(report.hello).toBe(true);
    // Deno has no way to turn its own proxy off for one client: NO_PROXY is the way there (README).
    expect(p.legs()).toEqual(rt === 'deno' ? { webApi: 1, webSocket: 1 } : { webApi: 0, webSocket: 0 });
  }, 60_000);

  it('a wrong proxy password: a 407 ProxyError, the password nowhere in errors or logs, then retries', async () => {
    const p = await counting({ user: 'alice', pass: 'right-one' });
    const { report, output } = await run(rt, {}, `http://alice:Wr0ng-S3cret@127.0.0.1:${p.port}`);
    expect(report.hello).toBe(false);
    // Two attempts: the backoff went on after the first.
    expect(report.errors).toHaveLength(2);
    for (const e of report.errors) {
      expect(e).toMatchObject({ name: 'ProxyError', code: 'proxy_error', status: 407, proxy: p.url });
      expect(e.message).toContain('407 Proxy Authentication Required');
      expect(e.message).toContain(`127.0.0.1:${p.port}`);
    }
    expect(p.refusedAuth).toBeGreaterThanOrEqual(2);
    expect(output).not.toContain('Wr0ng-S3cret');
    expect(output).not.toContain('alice:');
    expect(output).not.toContain(Buffer.from('alice:Wr0ng-S3cret').toString('base64'));
  }, 60_000);

  it.each(['html', 'refuse-403', 'refuse-502'] as const)(
    'a bad proxy (%s) on the Web API leg: a ProxyError saying what it answered',
    async (kind) => {
      const p = await bad(kind);
      const { report } = await run(rt, {}, p.url);
      expect(report.hello).toBe(false);
      expect(report.errors).toHaveLength(2);
      const status = kind === 'html' ? 200 : Number(kind.slice(-3));
      for (const e of report.errors) {
        expect(e).toMatchObject({ name: 'ProxyError', code: 'proxy_error', status, proxy: p.url });
        expect(e.message).toContain(kind === 'html' ? 'text/html' : String(status));
      }
      expect(p.hits).toBeGreaterThanOrEqual(2);
    },
    60_000,
  );

  it('an unreachable proxy: a ProxyError naming it, then retries', async () => {
    const port = await deadPort();
    const { report } = await run(rt, {}, `http://bob:hunter2@127.0.0.1:${port}`);
    expect(report.hello).toBe(false);
    expect(report.errors).toHaveLength(2);
    for (const e of report.errors) {
      expect(e).toMatchObject({ name: 'ProxyError', code: 'proxy_error', proxy: `http://127.0.0.1:${port}` });
      expect(e.message).toMatch(/unreachable/);
      expect(JSON.stringify(e)).not.toContain('hunter2');
    }
  }, 60_000);

  it.each(['html', 'refuse-403', 'refuse-502', 'wrong-password', 'unreachable'] as const)(
    'the WebSocket leg alone through a bad proxy (%s): a ProxyError naming the proxy and its answer, then retries',
    async (kind) => {
      let url: string;
      if (kind === 'wrong-password') url = (await counting({ user: 'carol', pass: 'right' })).url;
      else if (kind === 'unreachable') url = `http://127.0.0.1:${await deadPort()}`;
      else url = (await bad(kind)).url;
      const option = url.replace('http://', 'http://carol:Wr0ng-S3cret@');
      const { report, output } = await run(rt, {}, option, 'ws-only');
      expect(report.hello).toBe(false);
      // Two attempts: the backoff went on after the first.
      expect(report.errors).toHaveLength(2);
      const status = { html: 200, 'refuse-403': 403, 'refuse-502': 502, 'wrong-password': 407, unreachable: undefined }[
        kind
      ];
      for (const e of report.errors) {
        expect(e).toMatchObject({ name: 'ProxyError', code: 'proxy_error', proxy: url });
        expect(e.status).toBe(status);
        expect(e.message).toContain(url);
        if (status) expect(e.message).toContain(String(status));
        else expect(e.message).toMatch(/unreachable/);
        if (rt === 'node' && kind === 'html') expect(e.message).toContain('200 (text/html)');
        if (kind === 'wrong-password') expect(e.message).toContain('407 Proxy Authentication Required');
      }
      for (const secret of ['Wr0ng-S3cret', 'carol:', Buffer.from('carol:Wr0ng-S3cret').toString('base64')]) {
        expect(output).not.toContain(secret);
      }
    },
    60_000,
  );
});

// Deno applies HTTP(S)_PROXY / NO_PROXY itself, without --allow-env; the client can name the proxy Deno took only
// where it may read them too. The proxy here forwards the Web API request and refuses the WebSocket handshake.
describe('deno, the proxy from the environment refusing the WebSocket', () => {
  it.each([
    ['--allow-env: a ProxyError naming it', ['--allow-env'], 'proxy_error'],
    ['--allow-env for those variables only: a ProxyError naming it', ['--allow-env=' + ENV_VARS], 'proxy_error'],
    [
      "no --allow-env: a connection_error in Deno's words (which proxy, if any, cannot be known)",
      [],
      'connection_error',
    ],
  ] as const)(
    '%s',
    async (_name, flags, code) => {
      const p = await startCountingProxy({ user: 'erin', pass: 'Pr0xy-Pa55' }, 403);
      stops.push(() => p.close());
      const url = p.url.replace('http://', 'http://erin:Pr0xy-Pa55@');
      const { report, output } = await run('deno', { HTTP_PROXY: url }, undefined, undefined, [...flags]);
      expect(report.hello).toBe(false);
      expect(report.errors).toHaveLength(2);
      // The Web API leg went through it: only the socket failed.
      expect(p.legs()).toEqual({ webApi: 2, webSocket: 2 });
      for (const e of report.errors) {
        expect(e.code).toBe(code);
        expect(e.message).toContain('403');
        if (code === 'proxy_error') expect(e).toMatchObject({ name: 'ProxyError', status: 403, proxy: p.url });
      }
      expect(output).not.toContain('Pr0xy-Pa55');
      expect(output).not.toContain('erin:');
    },
    60_000,
  );
});

// callApi() and respond() (exported for bots: chat.postMessage, response_url replies) without a `fetch`: the
// runtime entry's platform fetch, by the same rules as the client's legs. Node's global fetch reads no variable,
// so without it a bot behind a proxy would connect and then fail to reply.
interface ApiReport {
  results: Array<{ call: string; ok: boolean; error?: Report['errors'][number] }>;
}

/** A response_url answered as Slack's hooks answer: 200 `ok`, text/html (not JSON). Counts the posts it got. */
async function slackLikeHook(): Promise<{ url: string; posts: () => number }> {
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook/T1/B1/x`, posts: () => posts };
}

function runApi(
  rt: Runtime,
  env: Record<string, string>,
  proxy: string | false | undefined,
  responseUrls: string[],
): Promise<{ report: ApiReport; output: string }> {
  const [cmd, args] = command(rt, [], 'proxy-api-entry');
  const argv = [...args, sim.apiUrl, sim.botToken, proxy === undefined ? '' : JSON.stringify(proxy), ...responseUrls];
  return spawnReport<ApiReport>(rt, cmd, argv, env, 'PROXYAPI ');
}

/** Requests through `p` by what they carried: the Web API call, the simulator's response_url, the hook. */
function carried(p: CountingProxy): { api: number; responseUrl: number; hook: number } {
  const n = (re: RegExp): number => p.passages.filter((x) => re.test(x.line)).length;
  return {
    api: n(/^POST \S*\/api\/chat\.postMessage$/),
    responseUrl: n(/^POST \S*\/response\//),
    hook: n(/^POST \S*\/hook\//),
  };
}

describe.each(RUNTIMES)('%s: callApi() and respond()', (rt) => {
  const ok = [
    { call: 'chat.postMessage', ok: true },
    { call: expect.stringMatching(/^respond .*\/response\//), ok: true },
    { call: expect.stringMatching(/^respond .*\/hook\//), ok: true },
  ];

  it('HTTP_PROXY carries them, a response_url answered with plain text included; NO_PROXY bypasses it', async () => {
    const p = await counting();
    const hook = await slackLikeHook();
    const urls = [`${sim.url}/response/proxied1`, hook.url];
    const { report } = await runApi(rt, { HTTP_PROXY: p.url }, undefined, urls);
    expect(report.results).toEqual(ok);
    expect(carried(p)).toEqual({ api: 1, responseUrl: 1, hook: 1 });
    expect(sim.posted.map((x) => x.kind)).toEqual(['chat.postMessage', 'response_url']);
    expect(hook.posts()).toBe(1);

    const direct = await runApi(rt, { HTTP_PROXY: p.url, NO_PROXY: 'example.com, 127.0.0.1' }, undefined, urls);
    expect(direct.report.results).toEqual(ok);
    expect(p.passages).toHaveLength(3);
    expect(hook.posts()).toBe(2);
  }, 60_000);

  it('the proxy option overrides the environment, with basic auth', async () => {
    const envProxy = await counting();
    const p = await counting({ user: 'alice', pass: 'pa55-w0rd' });
    const hook = await slackLikeHook();
    const option = `http://alice:pa55-w0rd@127.0.0.1:${p.port}`;
    const { report } = await runApi(rt, { HTTP_PROXY: envProxy.url }, option, [`${sim.url}/response/opt1`, hook.url]);
    expect(report.results).toEqual(ok);
    expect(carried(p)).toEqual({ api: 1, responseUrl: 1, hook: 1 });
    expect(p.refusedAuth).toBe(0);
    expect(envProxy.passages).toHaveLength(0);
  }, 60_000);

  it.each(['the option', 'HTTP_PROXY'] as const)(
    'a wrong proxy password in %s: a 407 ProxyError for each, the password nowhere',
    async (where) => {
      // Deno's own fetch applies HTTP_PROXY; run without --allow-env, the client cannot read which proxy that is.
      const named = rt === 'deno' && where === 'HTTP_PROXY' ? '(from HTTPS_PROXY / HTTP_PROXY, applied by Deno)' : null;
      const p = await counting({ user: 'alice', pass: 'right-one' });
      const wrong = `http://alice:Wr0ng-S3cret@127.0.0.1:${p.port}`;
      const { report, output } = await runApi(
        rt,
        where === 'HTTP_PROXY' ? { HTTP_PROXY: wrong } : {},
        where === 'HTTP_PROXY' ? undefined : wrong,
        [`${sim.url}/response/auth1`],
      );
      expect(report.results).toHaveLength(2);
      for (const r of report.results) {
        expect(r.ok).toBe(false);
        expect(r.error).toMatchObject({ name: 'ProxyError', code: 'proxy_error', status: 407, proxy: named ?? p.url });
        expect(r.error!.message).toContain('407 Proxy Authentication Required');
      }
      expect(p.refusedAuth).toBe(2);
      expect(sim.posted).toHaveLength(0);
      for (const secret of ['Wr0ng-S3cret', 'alice:', Buffer.from('alice:Wr0ng-S3cret').toString('base64')]) {
        expect(output).not.toContain(secret);
      }
    },
    60_000,
  );

  it('a proxy answering with an HTML page: callApi refuses it as a ProxyError; an unreachable one fails both', async () => {
    const html = await bad('html');
    const viaHtml = await runApi(rt, {}, html.url, []);
    expect(viaHtml.report.results).toEqual([
      {
        call: 'chat.postMessage',
        ok: false,
        error: expect.objectContaining({ name: 'ProxyError', status: 200, proxy: html.url }),
      },
    ]);
    expect(viaHtml.report.results[0]!.error!.message).toContain('text/html');

    const port = await deadPort();
    const dead = await runApi(rt, {}, `http://bob:hunter2@127.0.0.1:${port}`, [`${sim.url}/response/dead1`]);
    expect(dead.report.results).toHaveLength(2);
    for (const r of dead.report.results) {
      expect(r.error).toMatchObject({ name: 'ProxyError', code: 'proxy_error', proxy: `http://127.0.0.1:${port}` });
      expect(r.error!.message).toMatch(/unreachable/);
    }
    expect(dead.output).not.toContain('hunter2');
  }, 60_000);
});
