// apps.connections.open with fetch, as the raw clients do it (raw.mjs on ws, raw-web.mjs on a runtime's own
// WebSocket): the WebSocket URL, or an error.
export async function openUrl(apiUrl, appToken) {
  const res = await fetch(`${apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${appToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  const body = await res.json();
  if (!body.ok) throw new Error(`apps.connections.open: ${body.error}`);
  return body.url;
}
