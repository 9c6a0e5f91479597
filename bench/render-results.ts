// Pure: the results of one bench invocation as Markdown tables, with each target marked met or
// missed. BENCHMARKS.md quotes these tables; bench/results/<mode>.json holds the raw figures.
import type { Comparison, VariantResult } from './compare.ts';
import type { MergeResults } from './merge-cost.ts';
import type { ReporterCostResults } from './reporter-cost.ts';
import type { ScreenshotResults } from './screenshot-cost.ts';
import type { Summary } from './stats.ts';
import type { SuiteResults } from './suite-runs.ts';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  mode: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memGiB: number;
    os: string;
    node: string;
    playwright: string;
    sharp: string;
  };
  args: string[];
  /** os.loadavg() at the start and after each section: how shared the machine was. */
  load: { at: string; what: string; loadavg: number[] }[];
  suite: SuiteResults | null;
  reporter: ReporterCostResults | null;
  merge: MergeResults | null;
  screenshots: ScreenshotResults | null;
}

/** The targets of issue 6, each a predicate on measured medians. */
export const TARGETS = {
  fullRunS: 15,
  demoS: 60,
  reporterWallVsDot: 1.1,
  peakVsDot: 1.5,
} as const;

const s = (ms: number) => (ms / 1000).toFixed(2);
const ms0 = (ms: number) => ms.toFixed(0);
const x = (r: number | undefined) => (r === undefined || Number.isNaN(r) ? 'n/a' : `${r.toFixed(2)}×`);
const spread = (v: Summary, f: (n: number) => string) => `${f(v.median)} (${f(v.min)}–${f(v.max)})`;
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

export function renderResults(r: BenchResults): string {
  const out: string[] = [];
  out.push(`# Bench results (${r.mode})`, '');
  out.push(
    `${r.startedAt} → ${r.finishedAt}; ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, ` +
      `${r.machine.os}, Node ${r.machine.node}, Playwright ${r.machine.playwright}, sharp ${r.machine.sharp}. ` +
      `Arguments: \`${r.args.join(' ') || '(none)'}\`. Medians, (min–max) over the runs.`,
    '',
    `Load average (1 min) on this ${r.machine.cpus}-core machine: ${r.load
      .map((l) => `${l.what} ${(l.loadavg[0] ?? 0).toFixed(1)}`)
      .join(', ')}.`,
    '',
  );
  if (r.suite) out.push(...suiteTables(r.suite));
  if (r.reporter) out.push(...reporterTables(r.reporter));
  if (r.merge) out.push(...mergeTable(r.merge));
  if (r.screenshots) out.push(...screenshotTables(r.screenshots));
  out.push(...targetsTable(r));
  return `${out.join('\n')}\n`;
}

function suiteTables(su: SuiteResults): string[] {
  const out = ['## 1. Time to verdict against the sandbox', ''];
  if (su.sandboxStart && su.sandboxStop) {
    out.push(
      `Sandbox alone (spawn → ready; SIGTERM → exit), ${su.sandboxStart.runs} runs: start ${spread(su.sandboxStart, ms0)} ms, ` +
        `stop ${spread(su.sandboxStop, ms0)} ms.`,
      '',
    );
  }
  if (su.targets.length) {
    out.push(
      '| run | tests | wall s | CPU s, all processes | start-up ms | sandbox + load ms | checks ms | shutdown ms | report ms | exit ms | exit codes |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const t of su.targets) {
      const sp = t.split;
      out.push(
        `| ${t.grep ? `\`--grep "${t.grep}"\`` : 'full'} | ${t.tests.join('/')} | ${spread(t.wall, s)} | ${t.treeCpuMs ? s(t.treeCpuMs.median) : 'n/a'} | ${ms0(sp.startup.median)} | ` +
          `${ms0(sp.sandboxAndLoad.median)} | ${ms0(sp.checks.median)} | ${ms0(sp.shutdown.median)} | ${ms0(sp.report.median)} | ` +
          `${ms0(sp.exit.median)} | ${t.exitCodes.join(',')} |`,
      );
    }
    const full = su.targets.find((t) => t.target === 'full');
    if (full) {
      const fx = Object.entries(full.fixtureMs)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${ms0(v)} ms`)
        .join('; ');
      if (full.cpuByRole) {
        const roles = Object.entries(full.cpuByRole)
          .map(([k, v]) => `${k} ${s(v)} s`)
          .join(', ');
        out.push('', `Full run, CPU by process (median): ${roles}.`);
      }
      out.push('', `Full run, fixture set-up summed over all tests and workers (median): ${fx || 'none'}.`);
      out.push(
        `Slowest checks (last full run): ${full.slowest.map((t) => `${t.title} ${ms0(t.ms)} ms`).join('; ')}.`,
      );
    }
    out.push('');
  }
  if (su.demo)
    out.push(
      `Demo (\`npm run demo\`, phases 1–8 with sign-off): ${spread(su.demo.wall, s)} s, exit codes ${su.demo.exitCodes.join(',')}.`,
      '',
    );
  for (const n of su.notes) out.push(`> ${n.split('\n')[0]}`);
  if (su.notes.length) out.push('');
  return out;
}

function comparisonRows<V extends string>(label: string, c: Comparison<V>): string[] {
  const rows: string[] = [];
  for (const [v, r] of Object.entries(c.variants) as [V, VariantResult][]) {
    const q = c.vsBaseline[v];
    rows.push(
      `| ${label} | ${v} | ${r.wall.runs} | ${spread(r.wall, s)} | ${x(q?.wall)} | ${c.overheadMs[v] ?? 'n/a'} | ` +
        `${spread(r.cpuMs, s)} | ${x(q?.cpu)} | ${spread(r.rootPeakMiB, ms0)} | ${x(q?.rootPeak)} |`,
    );
  }
  return rows;
}

const COMPARISON_HEAD = (base: string) => [
  `| suite | reporter | runs | wall s | × ${base} | wall − ${base} ms | runner CPU s | × ${base} | runner peak MiB | × ${base} |`,
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function reporterTables(rc: ReporterCostResults): string[] {
  const out = ['## 2. Reporter cost on synthetic suites (no browser)', ''];
  for (const mode of ['run', 'replay'] as const) {
    const sizes = rc.sizes.filter((z) => z.mode === mode);
    if (!sizes.length) continue;
    out.push(
      mode === 'run'
        ? '### Whole runs (`playwright test --reporter=<r>`; Playwright adds dot beside a reporter that prints nothing)'
        : '### Replay of one recorded run (`merge-reports --reporter=<r>` over a single blob): the reporter alone',
      '',
      ...COMPARISON_HEAD('dot'),
    );
    for (const z of sizes) out.push(...comparisonRows(`${z.tests} tests`, z));
    out.push('');
  }
  const first = rc.sizes[0];
  if (first) {
    const per100 = (k: string) => ((first.mix[k] ?? 0) * 100) / first.tests;
    out.push(
      `Mix per 100 tests: ${per100('shot')} screenshots (each a distinct PNG), ${per100('warn')} warnings, ${per100('fail')} failures.`,
      '',
    );
  }
  const g = Object.entries(rc.growth);
  if (g.length) {
    out.push(
      'Growth exponent k over the replays (cost ≈ a·n^k from the smallest to the largest suite; k ≤ 1 is linear or better):',
      '',
    );
    out.push('| reporter | wall k | runner CPU k | runner peak k |', '|---|---:|---:|---:|');
    for (const [v, k] of g) out.push(`| ${v} | ${k.wall} | ${k.cpu} | ${k.rootPeak} |`);
    out.push('');
  }
  for (const z of rc.sizes) for (const n of z.invalid) out.push(`> invalid run: ${n.split('\n')[0]}`);
  for (const n of rc.notes) out.push(`> ${n.split('\n')[0]}`);
  out.push('');
  return out;
}

function mergeTable(m: MergeResults): string[] {
  const out = [`## 3. Merge of ${m.shards} shards (${m.tests} synthetic tests)`, ''];
  if (m.shardWall) out.push(`Each shard's blob run: ${spread(m.shardWall, s)} s.`, '');
  out.push(...COMPARISON_HEAD('html'), ...comparisonRows(`${m.tests} tests`, m));
  for (const n of m.invalid) out.push('', `> invalid run: ${n.split('\n')[0]}`);
  for (const n of m.notes) out.push('', `> ${n.split('\n')[0]}`);
  out.push('');
  return out;
}

function screenshotTables(sc: ScreenshotResults): string[] {
  const out = [
    '## 4. Screenshot processing (sharp)',
    '',
    `${sc.images} page-like 1280×800 PNGs (${ms0(sc.imageBytes.median)} bytes median), sharp's libvips threads: ${sc.sharpThreads}.`,
    '',
    '| analyseImage in flight | runs | ms per screenshot | speed-up vs one at a time |',
    '|---:|---:|---:|---:|',
  ];
  for (const [c, v] of Object.entries(sc.perShotMs)) {
    out.push(`| ${c} | ${v.runs} | ${spread(v, (n) => n.toFixed(1))} | ${x(sc.speedupVsSerial[c])} |`);
  }
  out.push('', '| gatherEvidence screenshots | runs | ms per screenshot |', '|---:|---:|---:|');
  for (const [c, v] of Object.entries(sc.evidencePerShotMs))
    out.push(`| ${c} | ${v.runs} | ${spread(v, (n) => n.toFixed(1))} |`);
  out.push('');
  return out;
}

function targetsTable(r: BenchResults): string[] {
  const rows: string[] = [];
  const full = r.suite?.targets.find((t) => t.target === 'full');
  if (full)
    rows.push(
      `| full run vs sandbox < ${TARGETS.fullRunS} s | ${s(full.wall.median)} s | ${mark(full.wall.median < TARGETS.fullRunS * 1000)} |`,
    );
  if (r.suite?.demo)
    rows.push(
      `| demo phases 1–8 + sign-off < ${TARGETS.demoS} s | ${s(r.suite.demo.wall.median)} s | ${mark(r.suite.demo.wall.median < TARGETS.demoS * 1000)} |`,
    );
  // The targets speak of whole runs; a replay stands in only when no whole run was measured.
  const at2000 =
    r.reporter?.sizes.find((z) => z.tests === 2000 && z.mode === 'run') ??
    r.reporter?.sizes.find((z) => z.tests === 2000 && z.mode === 'replay');
  const ours = at2000?.vsBaseline.phasegate;
  if (at2000 && ours) {
    const how = at2000.mode === 'run' ? 'whole run' : 'replay';
    rows.push(
      `| reporter on 2,000 tests < ${TARGETS.reporterWallVsDot}× dot wall (${how}) | ${x(ours.wall)} | ${mark(ours.wall < TARGETS.reporterWallVsDot)} |`,
    );
    const html = at2000.variants.html?.wall.median;
    const mine = at2000.variants.phasegate?.wall.median;
    if (html !== undefined && mine !== undefined)
      rows.push(
        `| reporter on 2,000 tests no slower than html (${how}) | ${x(mine / html)} html | ${mark(mine <= html)} |`,
      );
    rows.push(
      `| runner peak memory < ${TARGETS.peakVsDot}× dot (${how}) | ${x(ours.rootPeak)} | ${mark(ours.rootPeak < TARGETS.peakVsDot)} |`,
    );
  }
  const mg = r.merge?.vsBaseline.phasegate;
  if (mg) rows.push(`| merge of 4 shards no slower than html | ${x(mg.wall)} html | ${mark(mg.wall <= 1)} |`);
  if (!rows.length) return [];
  return ['## Targets', '', '| target | measured (median) | |', '|---|---:|---|', ...rows, ''];
}
