// Slack's request signature as an app computes it to verify a request (`v0=` + hex HMAC-SHA256 of
// `v0:{timestamp}:{raw body}`), written here independently of src/forward: the apps under test check the
// forwarder with their own code. Web Crypto only, so it runs in Node and in workerd alike.
export async function slackSignature(secret: string, ts: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`v0:${ts}:${body}`)));
  return `v0=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
