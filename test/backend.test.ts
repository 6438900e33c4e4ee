// The backend connection-URL handler (createConnectionUrlHandler): token checks when it is created, CORS.
// The health handler has its own file (test/health.test.ts).
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidTokenError, createConnectionUrlHandler } from '../src/index.ts';
import { harness, type Harness } from './helpers/client-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('createConnectionUrlHandler', () => {
  test('createConnectionUrlHandler refuses a missing or non-xapp token when it is created, not per request', () => {
    for (const t of [undefined, '', 'xoxb-1-2-secretsecret']) {
      let err: unknown;
      try {
        createConnectionUrlHandler({ appToken: t });
      } catch (e) {
        err = e;
      }
      expect(err, String(t)).toBeInstanceOf(InvalidTokenError);
      expect(String(err) + (err as Error).stack).not.toContain('secretsecret');
    }
    expect(() => createConnectionUrlHandler({ appToken: 'xoxb-1' })).toThrow(/xoxb-/);
    expect(typeof createConnectionUrlHandler({ appToken: 'xapp-1-A-1-x' })).toBe('function');
  });
});

// Pins a past defect: createConnectionUrlHandler sent CORS headers to any origin.
test('createConnectionUrlHandler: no CORS for other origins unless allowed; allowed origins may send credentials', async () => {
  h = await harness();
  const base = { appToken: h.sim.appToken, apiUrl: h.sim.apiUrl };
  const req = () =>
    new Request('http://backend.local/url', { method: 'POST', headers: { origin: 'https://evil.example' } });
  const closed = await createConnectionUrlHandler(base)(req());
  expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  const open = await createConnectionUrlHandler({ ...base, allowOrigin: (o) => o === 'https://evil.example' })(req());
  expect(open.headers.get('access-control-allow-origin')).toBe('https://evil.example');
  expect(open.headers.get('access-control-allow-credentials')).toBe('true');
  expect(open.headers.get('access-control-allow-headers')).toContain('authorization');
  // A one-time connection URL is a live share of the app's envelopes: no cache may keep it.
  expect(open.headers.get('cache-control')).toBe('no-store');
  expect(((await open.json()) as { ok: boolean }).ok).toBe(true);
});
