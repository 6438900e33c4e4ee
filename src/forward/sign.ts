// Slack's request signature, with Web Crypto so it runs on every runtime: `v0=` + hex HMAC-SHA256 of
// `v0:{timestamp}:{raw body}` keyed with the app's signing secret (what every Slack SDK verifies).
const encoder = new TextEncoder();

/** Signs with one secret; the imported key is made once, on first use. */
export function slackSigner(signingSecret: string): (timestamp: number, body: string) => Promise<string> {
  let key: Promise<CryptoKey> | undefined;
  return async (timestamp, body) => {
    key ??= crypto.subtle.importKey('raw', encoder.encode(signingSecret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    const mac = await crypto.subtle.sign('HMAC', await key, encoder.encode(`v0:${timestamp}:${body}`));
    let hex = 'v0=';
    for (const b of new Uint8Array(mac)) hex += b.toString(16).padStart(2, '0');
    return hex;
  };
}
