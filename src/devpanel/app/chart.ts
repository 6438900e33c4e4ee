// Live stats: envelopes per second (bars) and mean ack latency per second (line) over the last minute.
import { confirmable } from './ack-confirm.ts';
import { fmtMs, h } from './dom.ts';
import type { EnvelopeEntry } from './model.ts';
import type { Session } from './session.ts';

const SECONDS = 60;

/**
 * An ack's latency and when it counts: against the simulator, as the simulator read it (an ack written into a dead
 * socket has none); against Slack, the client's write, all there is.
 */
function ackLatency(e: EnvelopeEntry, sim: boolean): { ms: number; at: number } | undefined {
  const a = e.ack;
  if (sim)
    return a.confirmedAt !== undefined && a.simLatencyMs !== undefined
      ? { ms: a.simLatencyMs, at: a.confirmedAt }
      : undefined;
  return a.latencyMs !== undefined && a.at !== undefined ? { ms: a.latencyMs, at: a.at } : undefined;
}

export function mountStats(root: HTMLElement, session: Session): void {
  const canvas = h('canvas', {
    class: 'chart',
    role: 'img',
    'aria-label': 'Envelopes per second and ack latency, last 60 seconds',
  });
  const nums = {
    rate: h('b', { 'data-stat': 'rate' }, '0'),
    total: h('b', { 'data-stat': 'total' }, '0'),
    p50: h('b', { 'data-stat': 'p50' }, '–'),
    p95: h('b', { 'data-stat': 'p95' }, '–'),
    missed: h('b', { 'data-stat': 'missed' }, '0'),
  };
  root.append(
    h(
      'div',
      { class: 'panel-head' },
      h('h2', {}, 'Stats'),
      h(
        'div',
        { class: 'legend', 'aria-hidden': 'true' },
        h('span', { class: 'lg bars' }, 'env/s'),
        h('span', { class: 'lg line' }, 'ack ms'),
      ),
    ),
    canvas,
    h(
      'dl',
      { class: 'stat-row' },
      h('div', {}, h('dt', {}, 'env/s'), h('dd', {}, nums.rate)),
      h('div', {}, h('dt', {}, 'total'), h('dd', {}, nums.total)),
      h('div', {}, h('dt', {}, 'ack p50'), h('dd', {}, nums.p50)),
      h('div', {}, h('dt', {}, 'ack p95'), h('dd', {}, nums.p95)),
      h('div', {}, h('dt', { title: 'acks missed, late or failed' }, 'missed'), h('dd', {}, nums.missed)),
    ),
  );

  const css = (name: string, fallback: string) =>
    getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

  const draw = (): void => {
    const now = Date.now();
    const nowSec = Math.floor(now / 1000);
    const counts = new Array<number>(SECONDS).fill(0);
    const latSum = new Array<number>(SECONDS).fill(0);
    const latN = new Array<number>(SECONDS).fill(0);
    const lats: number[] = [];
    let missed = 0;
    const sim = confirmable();
    for (const e of session.envelopes) {
      const i = SECONDS - 1 - (nowSec - Math.floor(e.receivedAt / 1000));
      if (i >= 0 && i < SECONDS) counts[i]!++;
      if (e.ack.state === 'missed' || e.ack.state === 'late' || e.ack.state === 'failed') missed++;
      const lat = ackLatency(e, sim);
      if (lat) {
        lats.push(lat.ms);
        const j = SECONDS - 1 - (nowSec - Math.floor(lat.at / 1000));
        if (j >= 0 && j < SECONDS) {
          latSum[j]! += lat.ms;
          latN[j]!++;
        }
      }
    }
    lats.sort((a, b) => a - b);
    const q = (p: number) => (lats.length ? lats[Math.min(lats.length - 1, Math.floor(p * lats.length))] : undefined);
    // "now": the last complete second plus the current one, so a burst shows at once.
    nums.rate.textContent = String(
      counts[SECONDS - 1]! + counts[SECONDS - 2]! > 0 ? Math.max(counts[SECONDS - 1]!, counts[SECONDS - 2]!) : 0,
    );
    nums.total.textContent = String(session.envelopes.length);
    nums.p50.textContent = fmtMs(q(0.5));
    nums.p95.textContent = fmtMs(q(0.95));
    nums.missed.textContent = String(missed);

    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 280;
    const hgt = canvas.clientHeight || 80;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(hgt * dpr);
    }
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    const pad = { l: 4, r: 4, t: 14, b: 4 };
    const cw = w - pad.l - pad.r;
    const ch = hgt - pad.t - pad.b;
    const maxCount = Math.max(1, ...counts);
    const latAvg = latSum.map((s, i) => (latN[i] ? s / latN[i]! : NaN));
    const maxLat = Math.max(10, ...latAvg.filter((x) => Number.isFinite(x)));
    const bw = cw / SECONDS;

    g.strokeStyle = css('--grid', '#e5e7eb');
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(pad.l, pad.t + ch + 0.5);
    g.lineTo(pad.l + cw, pad.t + ch + 0.5);
    g.stroke();

    g.fillStyle = css('--bars', '#60a5fa');
    counts.forEach((c, i) => {
      if (!c) return;
      const bh = (c / maxCount) * ch;
      g.fillRect(pad.l + i * bw + 0.5, pad.t + ch - bh, Math.max(bw - 1, 1), bh);
    });

    g.strokeStyle = css('--line', '#f59e0b');
    g.fillStyle = g.strokeStyle;
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    latAvg.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      const x = pad.l + i * bw + bw / 2;
      const y = pad.t + ch - (v / maxLat) * ch;
      if (pen) g.lineTo(x, y);
      else g.moveTo(x, y);
      pen = true;
      g.fillRect(x - 1.5, y - 1.5, 3, 3);
    });
    g.stroke();

    g.fillStyle = css('--muted', '#6b7280');
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'top';
    g.fillText(`max ${maxCount}/s`, pad.l, 1);
    const t = `max ${Math.round(maxLat)} ms`;
    g.fillText(t, w - pad.r - g.measureText(t).width, 1);
  };

  setInterval(draw, 1000);
  let queued = false;
  const soon = (): void => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  };
  session.on('envelope', soon);
  session.on('ack', soon);
  session.on('reset', soon);
  draw();
}
