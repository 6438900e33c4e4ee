// The printed report: one table of medians with ratios, the goals, and the process layout.
const fmt = (v) => {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '—';
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return String(Number(v.toFixed(2)));
};
const fmtRatio = (v) => (v === null || v === undefined ? '—' : `${v.toFixed(2)}×`);
// Throughput: the median of the per-round ratios and their range, e.g. 1.05× (0.97–1.12); else the ratio of medians.
const fmtRowRatio = (row, which) => {
  const r = row[`${which}Rounds`];
  return r ? `${fmtRatio(r.median)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : fmtRatio(row[which]);
};

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function printReport(summary, bundle, meta) {
  const out = [];
  out.push('');
  const t = meta.config.throughput;
  out.push(
    `socket-mode-anywhere bench — ${meta.date}, Node ${meta.node}, ${meta.cpus} cores, medians of ${meta.config.reps}${meta.quick ? ' (quick)' : ''}`,
  );
  if (summary.rows.some((r) => r.key === 'throughput')) {
    out.push(
      `throughput: medians over ${t.rounds} interleaved rounds (every client one ${t.envelopes}-envelope burst per round, order changing);`,
    );
    out.push('            its ratios = median of the per-round ratios (min–max across rounds)');
  }
  out.push(
    `load average at start ${meta.loadAverage.start.map((x) => x.toFixed(2)).join(' ')}, at end ${meta.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} (other work on the machine = noise)`,
  );
  out.push(
    'processes: orchestrator bench/run.mjs; simulator bench/sim-host.mjs (own process, whole run; one simulator per client',
  );
  out.push(
    '           during throughput); each client in its own child (bench/clients/<name>.mjs): for throughput all alive',
  );
  out.push(
    '           at once, taking turns; for the other measures one after another. Never two clients working at once.',
  );
  out.push('');
  out.push(
    table(
      ['measure', 'unit', 'raw', 'official', 'ours', 'ours/raw', 'ours/official'],
      summary.rows.map((r) => [
        r.label,
        r.unit,
        fmt(r.values.raw),
        fmt(r.values.official),
        fmt(r.values.ours),
        fmtRowRatio(r, 'oursVsRaw'),
        fmtRowRatio(r, 'oursVsOfficial'),
      ]),
    ),
  );
  if (bundle) {
    out.push('');
    for (const [name, b] of Object.entries(bundle)) {
      if (b.ok && b.layer)
        out.push(
          `  layer ${name.replace(/^(layer|part)-/, '').padEnd(16)} ${(b.minBytes / 1024).toFixed(1).padStart(6)} KB min ${(b.gzipBytes / 1024).toFixed(1).padStart(6)} KB gzip   ${b.label}`,
        );
      else if (b.ok)
        out.push(
          `bundle ${name.padEnd(17)} ${(b.minBytes / 1024).toFixed(1).padStart(6)} KB min ${(b.gzipBytes / 1024).toFixed(1).padStart(6)} KB gzip   ws/isomorphic-ws in bundle: ${b.containsWs ? 'YES' : 'no'}${name === 'ours-node' ? ' (Node entry: ws expected)' : ''}`,
        );
      else
        out.push(
          `bundle ${name.padEnd(17)} does not bundle: ${b.errors} errors (unresolved e.g. ${b.unresolved.slice(0, 5).join(', ')})`,
        );
    }
  }
  out.push('');
  out.push('goals (reported, not asserted):');
  for (const g of summary.goals)
    out.push(`  [${g.met === null ? ' ? ' : g.met ? 'met' : 'NOT'}] ${g.name}: ${g.value} (target ${g.target})`);
  out.push('');
  console.log(out.join('\n'));
}
