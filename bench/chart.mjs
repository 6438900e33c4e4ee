// Hand-written SVG: one small horizontal bar chart per measure (raw / official / ours), each bar labelled
// with its value and its ratio to the baseline bar, or the ratio the bar brings along (throughput: the median
// of per-round ratios, with their min–max). No chart library.
const COLORS = { raw: '#8c8c8c', official: '#4a90d9', ours: '#2ca02c' };
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 10_000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/**
 * panels: [{ title, unit, better: 'higher' | 'lower', bars: [{ label, value, ratio?: { median, min, max } }],
 *            ratioTo?: label, ratioNote?: how the bars' own ratios were taken }]
 * subtitle: one line or an array of lines. Returns the SVG text.
 */
export function renderChart({ title, subtitle, panels }) {
  const subtitles = [subtitle].flat();
  const W = 900,
    left = 110,
    right = 230,
    barH = 18,
    gap = 6,
    panelPad = 34,
    top = 50 + 16 * subtitles.length;
  const plotW = W - left - right;
  let y = top;
  const parts = [];
  for (const p of panels) {
    const vals = p.bars.map((b) => b.value).filter((v) => Number.isFinite(v));
    const max = Math.max(...vals, 0) || 1;
    const base = p.bars.find((b) => b.label === (p.ratioTo ?? 'raw') && Number.isFinite(b.value) && b.value !== 0);
    const vs = base ? `; ratios vs ${esc(base.label)}${p.ratioNote ? `: ${esc(p.ratioNote)}` : ''}` : '';
    parts.push(
      `<text x="20" y="${y + 4}" class="pt">${esc(p.title)} <tspan class="pu">(${esc(p.unit)}, ${p.better} is better${vs})</tspan></text>`,
    );
    y += 12;
    for (const b of p.bars) {
      const ok = Number.isFinite(b.value);
      const w = ok ? Math.max(1, (b.value / max) * plotW) : 0;
      const r =
        !ok || !base
          ? ''
          : b.ratio
            ? ` (${b.ratio.median.toFixed(2)}×; ${b.ratio.min.toFixed(2)}–${b.ratio.max.toFixed(2)})`
            : ` (${(b.value / base.value).toFixed(2)}×)`;
      parts.push(
        `<text x="${left - 8}" y="${y + barH - 5}" class="lb">${esc(b.label)}</text>`,
        ok
          ? `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[b.label] ?? '#999'}" rx="2"/>`
          : `<rect x="${left}" y="${y}" width="${plotW}" height="${barH}" fill="none" stroke="#ccc" stroke-dasharray="4 3"/>`,
        `<text x="${left + (ok ? w : 0) + 6}" y="${y + barH - 5}" class="v">${esc(ok ? fmt(b.value) : (b.note ?? 'n/a'))}${esc(r)}</text>`,
      );
      y += barH + gap;
    }
    y += panelPad - gap;
  }
  const H = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">
<style>.t{font-size:18px;font-weight:600}.s{font-size:12px;fill:#555}.pt{font-size:13px;font-weight:600}.pu{font-weight:400;fill:#666}.lb{font-size:12px;text-anchor:end}.v{font-size:12px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" class="t">${esc(title)}</text>
${subtitles.map((s, i) => `<text x="20" y="${46 + 16 * i}" class="s">${esc(s)}</text>`).join('\n')}
${parts.join('\n')}
</svg>
`;
}
