// Medians across repetitions, ratios against the baselines of the same run, and the goals
// (reported, never asserted: these are noisy 2-core machines).
import { median, ratio, round } from './stats.mjs';

/** Fault kinds of the faults measure, in report order. */
export const FAULT_KINDS = {
  silent: 'a silent death',
  silent_dead_path: 'a silent death whose close never reaches Slack',
  drop: 'a drop (TCP reset, no close frame)',
};

const med = (runs, pick) => (runs?.length ? median(runs.map(pick)) : NaN);

/**
 * Throughput ratio num/den taken within each round (both measured seconds apart, under the same machine
 * conditions), over the rounds that have both: { median, min, max, n }, or null. The median of these is what we
 * report: a ratio of per-client medians mixes rounds, so the machine's drift between them lands in it.
 */
export function roundRatios(rounds, num, den, pick) {
  const rs = (rounds ?? [])
    .filter((r) => r.results[num] && r.results[den])
    .map((r) => ratio(pick(r.results[num]), pick(r.results[den])))
    .filter(Number.isFinite);
  if (!rs.length) return null;
  return { median: round(median(rs), 3), min: round(Math.min(...rs), 3), max: round(Math.max(...rs), 3), n: rs.length };
}

/** The ratio a row headlines: the median per-round ratio where there is one, else the ratio of the medians. */
export const headline = (row, which) => row?.[`${which}Rounds`]?.median ?? row?.[which] ?? null;

const RUNTIME_NAMES = { bun: 'Bun', deno: 'Deno' };

/**
 * The runtimes section: per runtime, raw (its own WebSocket, JSON.parse + send ack) and ours (the package entry for
 * that runtime), medians over the rounds and ours/raw taken within each round, as for Node's throughput.
 * Returns { [runtime]: { version, rounds, raw: { perSec, perCpuSec }, ours: {...}, oursVsRaw, oursVsRawCpu } }.
 */
export function summarizeRuntimes(R) {
  const out = {};
  for (const [rt, version] of Object.entries(R?.versions ?? {})) {
    const runs = (c) => (R.rounds ?? []).map((r) => r.results[`${rt}:${c}`]).filter(Boolean);
    const fig = (c) => ({
      perSec: round(
        med(runs(c), (r) => r.perSec),
        0,
      ),
      perCpuSec: round(
        med(runs(c), (r) => r.perCpuSec),
        0,
      ),
      cpuUsPerEnvelope: round(
        med(runs(c), (r) => (r.cpuMs * 1000) / r.n),
        2,
      ),
    });
    out[rt] = {
      version,
      rounds: runs('ours').length,
      raw: fig('raw'),
      ours: fig('ours'),
      oursVsRaw: roundRatios(R.rounds, `${rt}:ours`, `${rt}:raw`, (r) => r.perSec),
      oursVsRawCpu: roundRatios(R.rounds, `${rt}:ours`, `${rt}:raw`, (r) => r.perCpuSec),
    };
  }
  return out;
}

/** rows: [{ key, label, unit, better, values: { raw, official, ours } }] */
export function summarize(raw, bundle, clients) {
  const rows = [];
  const row = (key, label, unit, better, pick) => {
    const values = {};
    for (const c of clients) values[c] = pick(c);
    if (Object.values(values).every((v) => !Number.isFinite(v))) return;
    rows.push({
      key,
      label,
      unit,
      better,
      values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 3)])),
      oursVsRaw: round(ratio(values.ours, values.raw), 3),
      oursVsOfficial: round(ratio(values.ours, values.official), 3),
    });
  };
  const T = raw.throughput,
    L = raw.latency,
    R = raw.refresh,
    M = raw.memory;
  // Throughput rows also carry per-round ratios; `ours` is the client standing in for ours (ours-uncoalesced in
  // the uncoalesced row).
  const withRounds = (key, pick, ours = 'ours') => {
    const r = rows.find((x) => x.key === key);
    if (!r) return;
    r.oursVsRawRounds = roundRatios(raw.throughputRounds, ours, 'raw', pick);
    r.oursVsOfficialRounds = roundRatios(raw.throughputRounds, ours, 'official', pick);
    r.officialVsRawRounds = roundRatios(raw.throughputRounds, 'official', 'raw', pick);
  };
  const perSec = (r) => r.perSec,
    perCpuSec = (r) => r.perCpuSec,
    e2ePerSec = (r) => r.e2ePerSec;
  row('throughput', 'Throughput, client wall (release → n-th ack)', 'env/s', 'higher', (c) => med(T[c], perSec));
  withRounds('throughput', perSec);
  row('throughputCpu', 'Throughput per client CPU-second', 'env/CPU-s', 'higher', (c) => med(T[c], perCpuSec));
  withRounds('throughputCpu', perCpuSec);
  if (T['ours-uncoalesced']?.length) {
    const v = (c) => med(T[c], perCpuSec);
    const values = { raw: v('raw'), official: v('official'), ours: v('ours-uncoalesced') };
    rows.push({
      key: 'throughputCpuUncoalesced',
      label: '  same, ours with coalesceWrites: false',
      unit: 'env/CPU-s',
      better: 'higher',
      values: Object.fromEntries(Object.entries(values).map(([k, x]) => [k, round(x, 3)])),
      oursVsRaw: round(ratio(values.ours, values.raw), 3),
      oursVsOfficial: round(ratio(values.ours, values.official), 3),
    });
    withRounds('throughputCpuUncoalesced', perCpuSec, 'ours-uncoalesced');
  }
  // Bun and Deno: raw there is the hand-written client on that runtime's own WebSocket; ours has nothing to coalesce.
  for (const [rt, x] of Object.entries(summarizeRuntimes(raw.runtimes))) {
    if (!x.rounds) continue;
    const name = `${RUNTIME_NAMES[rt] ?? rt} ${x.version}`;
    for (const [key, label, unit, pick, rounds] of [
      ['throughput', 'throughput, client wall', 'env/s', 'perSec', x.oursVsRaw],
      ['throughputCpu', 'throughput per client CPU-second', 'env/CPU-s', 'perCpuSec', x.oursVsRawCpu],
    ]) {
      rows.push({
        key: `runtime_${rt}_${key}`,
        label: `${name}: ${label} (raw: on ${RUNTIME_NAMES[rt] ?? rt}'s WebSocket)`,
        unit,
        better: 'higher',
        values: { raw: x.raw[pick], ours: x.ours[pick] },
        oursVsRaw: round(ratio(x.ours[pick], x.raw[pick]), 3),
        oursVsOfficial: null,
        oursVsRawRounds: rounds,
      });
    }
  }
  row('throughputE2E', 'Throughput end to end (sim: inject → last ack)', 'env/s', 'higher', (c) =>
    med(T[c], e2ePerSec),
  );
  withRounds('throughputE2E', e2ePerSec);
  for (const [mode, what] of [
    ['noop', '0 ms handler'],
    ['slow', '50 ms async handler'],
  ]) {
    row(`ackP50_${mode}`, `Ack latency p50, ${what}`, 'ms', 'lower', (c) => med(L[c]?.[mode], (r) => r.p50));
    row(`ackP99_${mode}`, `Ack latency p99, ${what}`, 'ms', 'lower', (c) => med(L[c]?.[mode], (r) => r.p99));
  }
  row('noLive', 'Refresh: no live connection (3 refreshes)', 'ms', 'lower', (c) =>
    med(R[c], (r) => r.noLiveConnectionMs),
  );
  row('missedSlash', 'Refresh: slash commands missing the deadline', 'count', 'lower', (c) =>
    med(R[c], (r) => r.missedSlash),
  );
  row('missedAll', 'Refresh: envelopes missing the deadline (all types)', 'count', 'lower', (c) =>
    med(R[c], (r) => r.missedDeadlines),
  );
  row('slashUserLate', 'Refresh: slash commands acked > 3 s after inject (queued time counts)', 'count', 'lower', (c) =>
    med(R[c], (r) => r.slashUserLate),
  );
  row('unacked', 'Refresh: envelopes never acked', 'count', 'lower', (c) => med(R[c], (r) => r.unacked));
  // Why: most never reached the client (queued while it had no live connection until Slack gave up on them).
  row(
    'unackedNeverDelivered',
    '  of them never delivered (queued, no live connection, window ended)',
    'count',
    'lower',
    (c) => med(R[c], (r) => r.unackedNeverDelivered),
  );
  // A Bolt app on Bolt's own SocketModeReceiver (official column) and on ours (ours column), same refreshes.
  if (R['bolt-official'] || R['bolt-ours']) {
    for (const [key, label, pick] of [
      ['noLive', 'Bolt app, refresh: no live connection (3 refreshes)', (r) => r.noLiveConnectionMs],
      ['missedSlash', 'Bolt app, refresh: slash commands missing the deadline', (r) => r.missedSlash],
      ['missedAll', 'Bolt app, refresh: envelopes missing the deadline (all types)', (r) => r.missedDeadlines],
      ['unacked', 'Bolt app, refresh: envelopes never acked', (r) => r.unacked],
    ]) {
      const values = { raw: null, official: med(R['bolt-official'], pick), ours: med(R['bolt-ours'], pick) };
      rows.push({
        key: `bolt_${key}`,
        label,
        unit: key === 'noLive' ? 'ms' : 'count',
        better: 'lower',
        values: Object.fromEntries(Object.entries(values).map(([k, x]) => [k, x === null ? null : round(x, 3)])),
        oursVsRaw: null,
        oursVsOfficial: round(ratio(values.ours, values.official), 3),
      });
    }
  }
  // Faults nobody announces: one run per client and fault (bench/sim-host.mjs faultRun); ours-pool-noping is ours
  // where the socket cannot ping, in a pool of 2, reported under ours on a row of its own.
  const F = raw.faults ?? {};
  const fault = (c, kind, pick) => {
    const v = F[c]?.[kind]?.[pick];
    return typeof v === 'number' ? v : NaN;
  };
  for (const [kind, what] of Object.entries(FAULT_KINDS)) {
    for (const [pick, label, unit] of [
      ['deafMs', `Faults: deaf after ${what} (fault → hello on a new connection)`, 'ms'],
      ['slashFailed', '  slash commands failed meanwhile (50 env/s, every 10th a slash)', 'count'],
    ]) {
      const key = `fault_${kind}_${pick}`;
      row(key, label, unit, 'lower', (c) => fault(c, kind, pick));
      const pool = fault('ours-pool-noping', kind, pick);
      if (!Number.isFinite(pool)) continue;
      // Keep the pair together: the row exists even when no single-connection client ran this fault.
      if (!rows.some((r) => r.key === key))
        rows.push({ key, label, unit, better: 'lower', values: { raw: null, official: null, ours: null } });
      rows.push({
        key: `${key}_poolNoPing`,
        label:
          pick === 'deafMs'
            ? "    ours, pool of 2 without ping (Deno, browser, workerd): fault → replacement's hello"
            : '    ours, pool of 2 without ping',
        unit,
        better: 'lower',
        values: { raw: null, official: null, ours: round(pool, 3) },
      });
    }
  }
  row('idleHeap', 'Memory per idle client (heap + ArrayBuffers)', 'KB', 'lower', (c) =>
    med(M[c]?.idle, (r) => r.perClientBytes / 1024),
  );
  const g = Object.values(M).find((m) => m?.growth?.reps?.length)?.growth;
  const n = (x) => (x ? x.toLocaleString('en-US') : '?');
  row(
    'heapRetained',
    `Memory held after a ${n(g?.warmupEnvelopes)}-envelope warm-up (bounded caches filled; vs idle)`,
    'KB',
    'lower',
    (c) => (M[c]?.growth ? M[c].growth.retainedBytes / 1024 : NaN),
  );
  row(
    'heapGrowth',
    `Memory growth over ${n(g?.reps[0].envelopes)} more envelopes (heap + ArrayBuffers)`,
    'KB',
    'lower',
    (c) => med(M[c]?.growth?.reps, (r) => r.growthBytes / 1024),
  );
  if (bundle) {
    const kb = (n) => (bundle[n]?.ok ? bundle[n].gzipBytes / 1024 : NaN);
    rows.push(
      {
        key: 'bundleCoreBrowser',
        label: 'Bundle, core client, browser (min+gzip)',
        unit: 'KB',
        better: 'lower',
        values: { ours: round(kb('ours-core-browser')), official: null, raw: null },
        note: 'official: does not bundle for the browser',
      },
      {
        key: 'bundleCoreWorkerd',
        label: 'Bundle, core client, workerd (min+gzip)',
        unit: 'KB',
        better: 'lower',
        values: { ours: round(kb('ours-core-workerd')), official: null, raw: null },
      },
      {
        key: 'bundleBrowser',
        label: 'Bundle, full client, browser (min+gzip)',
        unit: 'KB',
        better: 'lower',
        values: { ours: round(kb('ours-browser')), official: null, raw: null },
        note: 'official: does not bundle for the browser',
      },
      {
        key: 'bundleWorkerd',
        label: 'Bundle, full client, workerd (min+gzip)',
        unit: 'KB',
        better: 'lower',
        values: { ours: round(kb('ours-workerd')), official: null, raw: null },
      },
      {
        key: 'bundleNode',
        label: 'Bundle, Node (min+gzip, deps included)',
        unit: 'KB',
        better: 'lower',
        values: { ours: round(kb('ours-node')), official: round(kb('official-node')), raw: null },
        oursVsOfficial: round(ratio(kb('ours-node'), kb('official-node')), 3),
      },
    );
  }

  const get = (key) => rows.find((r) => r.key === key);
  const goals = [];
  const goal = (name, target, value, met) => goals.push({ name, target, value, met: met === null ? null : !!met });
  for (const [key, what] of [
    ['throughput', 'client wall'],
    ['throughputCpu', 'per CPU-s'],
  ]) {
    const r = get(key);
    if (!r) continue;
    const v = headline(r, 'oursVsRaw');
    const how = r.oursVsRawRounds ? `median of ${r.oursVsRawRounds.n} per-round ratios` : 'ratio of medians';
    goal(`throughput ours/raw (${what}, ${how})`, '>= 0.95', v, v === null ? null : v >= 0.95);
  }
  for (const r of rows.filter((x) => x.key.startsWith('runtime_'))) {
    const v = headline(r, 'oursVsRaw');
    goal(
      `${r.label.split(' (')[0]}: ours/raw (median of ${r.oursVsRawRounds?.n} per-round ratios)`,
      '>= 0.95',
      v,
      v === null ? null : v >= 0.95,
    );
  }
  const slow = get('ackP99_slow');
  if (slow && Number.isFinite(slow.values.ours))
    goal(
      'ours: acks independent of handler work (p99 with 50 ms handler < 50 ms)',
      '< 50 ms',
      slow.values.ours,
      slow.values.ours < 50,
    );
  const nl = get('noLive'),
    ms = get('missedSlash');
  if (nl && Number.isFinite(nl.values.ours))
    goal('ours: refresh no-live time', '0 ms', nl.values.ours, nl.values.ours === 0);
  if (ms && Number.isFinite(ms.values.ours))
    goal('ours: refresh missed slash deadlines', '0', ms.values.ours, ms.values.ours === 0);
  const deaf = get('fault_silent_deafMs');
  if (deaf && Number.isFinite(deaf.values.ours))
    goal(
      'ours: deaf after a silent death, single connection',
      '<= 3000 ms',
      deaf.values.ours,
      deaf.values.ours <= 3000,
    );
  // The owner's caps (the 6 KB core goal was withdrawn): core <= 11 KB, full <= 16 KB.
  for (const [name, kb] of [
    ['ours-core-browser', 11],
    ['ours-core-workerd', 11],
    ['ours-browser', 16],
    ['ours-workerd', 16],
  ]) {
    if (bundle?.[name]?.ok)
      goal(
        `ours: ${name.slice(5)} bundle min+gzip`,
        `<= ${kb} KB`,
        round(bundle[name].gzipBytes / 1024),
        bundle[name].gzipBytes <= kb * 1024,
      );
  }
  if (bundle?.['ours-browser']?.ok) {
    goal(
      'ours: no ws/isomorphic-ws in browser bundle',
      'false',
      bundle['ours-browser'].containsWs,
      !bundle['ours-browser'].containsWs,
    );
  }
  if (bundle?.['ours-workerd']?.ok)
    goal(
      'ours: no ws/isomorphic-ws in workerd bundle',
      'false',
      bundle['ours-workerd'].containsWs,
      !bundle['ours-workerd'].containsWs,
    );
  return { rows, goals };
}

const PANELS = [
  ['throughput', 'Throughput, client wall time'],
  ['throughputCpu', 'Throughput per client CPU-second'],
  ['ackP99_noop', 'Ack latency p99, 0 ms handler'],
  ['ackP99_slow', 'Ack latency p99, 50 ms async handler'],
  ['noLive', 'Refresh ×3: time with no live connection'],
  ['missedAll', 'Refresh ×3: envelopes missing the 3 s deadline (simulator)'],
  ['slashUserLate', 'Refresh ×3: slash commands acked > 3 s after inject'],
  ['fault_silent_deafMs', 'Silent death: deaf time, single connection'],
  ['fault_drop_deafMs', 'Drop (no close frame): deaf time, single connection'],
  ['idleHeap', 'Memory per idle client (heap + ArrayBuffers)'],
  ['heapRetained', null], // these two take their row's label: the envelope counts come from the run
  ['heapGrowth', null],
  ['bundleNode', 'Bundle for Node, min+gzip'],
  ['bundleCoreBrowser', 'Core client for the browser, min+gzip'],
  ['bundleBrowser', 'Full client for the browser, min+gzip'],
];

export function chartPanels(summary) {
  const panels = [];
  // Bun's and Deno's rows (runtimes section) follow Node's throughput panels.
  const runtimePanels = summary.rows.filter((r) => r.key.startsWith('runtime_')).map((r) => [r.key, r.label]);
  const at = PANELS.findIndex(([key]) => key === 'throughputCpu') + 1;
  for (const [key, title] of [...PANELS.slice(0, at), ...runtimePanels, ...PANELS.slice(at)]) {
    const r = summary.rows.find((x) => x.key === key);
    if (!r) continue;
    const ratioTo = key.startsWith('bundle') ? 'official' : 'raw';
    // Throughput bars carry their per-round ratio against raw (median, min–max) instead of value / raw's value.
    const perRound = { official: r.officialVsRawRounds, ours: r.oursVsRawRounds };
    panels.push({
      title: title ?? r.label,
      unit: r.unit,
      better: r.better,
      ratioTo,
      ratioNote: r.oursVsRawRounds ? 'median of per-round ratios (min–max)' : undefined,
      bars: ['raw', 'official', 'ours']
        .filter((c) => c in r.values)
        .map((c) => ({
          label: c,
          value: r.values[c] ?? NaN,
          ratio: perRound[c] ?? undefined,
          note:
            (key === 'bundleBrowser' || key === 'bundleCoreBrowser') && c === 'official'
              ? 'does not bundle (node: imports)'
              : 'n/a',
        })),
    });
  }
  return panels;
}
