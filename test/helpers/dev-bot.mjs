// A minimal Socket Mode bot for the `dev` command's tests: plain `ws`, acks every envelope, and exits (1) on
// link_disabled as a real client stops on it (fatal). Reads SLACK_APP_TOKEN and SLACK_API_URL as the example bot does.
import WebSocket from 'ws';

const res = await fetch(`${process.env.SLACK_API_URL}apps.connections.open`, {
  method: 'POST',
  headers: { authorization: `Bearer ${process.env.SLACK_APP_TOKEN}` },
});
const open = await res.json();
if (!open.ok) {
  console.log(`open failed: ${open.error}`);
  process.exit(1);
}
const ws = new WebSocket(open.url);
ws.on('message', (data) => {
  const f = JSON.parse(String(data));
  if (f.type === 'hello') console.log(`dev-bot connected (${f.num_connections})`);
  else if (f.type === 'disconnect' && f.reason === 'link_disabled') {
    console.log('dev-bot: link_disabled');
    process.exit(1);
  } else if (f.envelope_id) {
    console.log(`dev-bot got ${f.type}`);
    ws.send(JSON.stringify({ envelope_id: f.envelope_id }));
  }
});
process.on('SIGTERM', () => (ws.close(), process.exit(0)));
