// Pure: the compare section's figures as one row per goal of issue #13 (the baseline tree's
// figure, this tree's, this ÷ that, the goal, met or not), and as Markdown.
import type { CompareResults, Tree } from './compare-run.ts';
import type { SizeResult } from './reporter-cost.ts';
import type { Summary } from './stats.ts';

export interface GoalRow {
  what: string;
  unit: 's' | '×';
  baseline: number | null;
  current: number | null;
  /** current ÷ baseline. */
  ratio: number | null;
  goal: string;
  /** null: a figure shown for context, no goal of its own, or not measured. */
  met: boolean | null;
}

/** The goals of issue #13. */
export const GOALS = {
  fullRunVsBaseline: 0.6,
  phase1VsBaseline: 0.6,
  demoVsBaseline: 0.5,
  peakVsHtml: 1.1,
  mergeVsHtml: 1.0,
} as const;

const div = (a: number | undefined | null, b: number | undefined | null): number | null =>
  a == null || b == null || !(b > 0) || Number.isNaN(a) ? null : a / b;
const med = (s: Summary | null | undefined) => (s ? s.median : null);

export function goalRows(r: CompareResults): GoalRow[] {
  const rows: GoalRow[] = [];
  const relative = (
    what: string,
    get: (t: Tree) => number | null,
    goal: number | null,
    unit: 's' | '×' = 's',
  ) => {
    const baseline = get('baseline');
    const current = get('this');
    const ratio = div(current, baseline);
    rows.push({
      what,
      unit,
      baseline,
      current,
      ratio,
      goal: goal === null ? '—' : `≤ ${goal.toFixed(2)}× baseline`,
      met: goal === null || ratio === null ? null : ratio <= goal,
    });
  };
  for (const target of r.suite?.targets ?? []) {
    const name = target.grep
      ? `\`playwright test --grep "${target.grep}"\``
      : '`playwright test` (all checks)';
    const goal = target.grep ? GOALS.phase1VsBaseline : GOALS.fullRunVsBaseline;
    relative(`${name}, wall`, (t) => med(target.trees[t]?.wall), goal);
    relative(`${name}, CPU of all processes`, (t) => med(target.trees[t]?.treeCpuMs), null);
  }
  if (r.demo) relative('`npm run demo`, wall', (t) => med(r.demo?.trees[t]?.wall), GOALS.demoVsBaseline);
  for (const mode of ['run', 'replay'] as const) {
    const size = (t: Tree): SizeResult | undefined => r.reporter?.[t]?.sizes.find((z) => z.mode === mode);
    const how = mode === 'run' ? 'whole run' : 'replay';
    const first = size('this') ?? size('baseline');
    if (!first) continue;
    const label = `reporter, ${first.tests} results (${how})`;
    // The goal: our reporter no dearer than html, both against dot in the same rounds.
    const htmlVsDot = size('this')?.vsBaseline.html?.wall ?? null;
    const pg = (t: Tree) => size(t)?.vsBaseline.phasegate?.wall ?? null;
    const current = pg('this');
    const baseline = pg('baseline');
    rows.push({
      what: `${label}: phasegate ÷ dot, wall`,
      unit: '×',
      baseline,
      current,
      ratio: div(current, baseline),
      goal: `≤ html ÷ dot (${htmlVsDot === null ? 'n/a' : `${htmlVsDot.toFixed(2)}×`})`,
      met: current === null || htmlVsDot === null ? null : current <= htmlVsDot,
    });
    relative(`${label}: html ÷ dot, wall`, (t) => size(t)?.vsBaseline.html?.wall ?? null, null, '×');
    // CPU of the runner (the reporters run in it): steadier than wall on a shared machine.
    relative(
      `${label}: phasegate ÷ dot, runner CPU`,
      (t) => size(t)?.vsBaseline.phasegate?.cpu ?? null,
      null,
      '×',
    );
    relative(`${label}: html ÷ dot, runner CPU`, (t) => size(t)?.vsBaseline.html?.cpu ?? null, null, '×');
    relative(
      `${label}: phasegate ÷ html, runner peak memory`,
      (t) => {
        const z = size(t);
        return div(med(z?.variants.phasegate?.rootPeakMiB), med(z?.variants.html?.rootPeakMiB));
      },
      null,
      '×',
    );
    const peak = rows[rows.length - 1] as GoalRow;
    peak.goal = `≤ ${GOALS.peakVsHtml.toFixed(2)}×`;
    peak.met = peak.current === null ? null : peak.current <= GOALS.peakVsHtml;
  }
  const mergeOf = (t: Tree) => r.merge?.[t];
  const anyMerge = mergeOf('this') ?? mergeOf('baseline');
  if (anyMerge) {
    const pg = (t: Tree) => mergeOf(t)?.vsBaseline.phasegate?.wall ?? null;
    const current = pg('this');
    const baseline = pg('baseline');
    rows.push({
      what: `merge of ${anyMerge.shards} shards, ${anyMerge.tests} results: phasegate ÷ html, wall`,
      unit: '×',
      baseline,
      current,
      ratio: div(current, baseline),
      goal: `≤ ${GOALS.mergeVsHtml.toFixed(2)}×`,
      met: current === null ? null : current <= GOALS.mergeVsHtml,
    });
    relative(
      `merge of ${anyMerge.shards} shards: phasegate ÷ html, runner CPU`,
      (t) => mergeOf(t)?.vsBaseline.phasegate?.cpu ?? null,
      null,
      '×',
    );
  }
  return rows;
}

function figure(v: number | null, unit: GoalRow['unit']): string {
  if (v === null) return 'n/a';
  return unit === 's' ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(2)}×`;
}

export function renderGoalTable(rows: GoalRow[]): string[] {
  const out = [
    '| figure | baseline | this tree | this ÷ baseline | #13 goal | |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const g of rows) {
    const mark = g.met === null ? '' : g.met ? 'met' : '**not met**';
    out.push(
      `| ${g.what} | ${figure(g.baseline, g.unit)} | ${figure(g.current, g.unit)} | ` +
        `${g.ratio === null ? 'n/a' : `${g.ratio.toFixed(2)}×`} | ${g.goal} | ${mark} |`,
    );
  }
  return out;
}

export function renderCompare(r: CompareResults): string {
  const out: string[] = [];
  out.push(
    `# Bench compare: this tree (${r.current.short}${r.current.dirty ? ', uncommitted changes' : ''}) against ${r.baseline.ref} (${r.baseline.short})`,
    '',
    `${r.startedAt} → ${r.finishedAt}; ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, ` +
      `${r.machine.os}, Node ${r.machine.node}, Playwright ${r.machine.playwright}. ` +
      `Arguments: \`${r.args.join(' ')}\`. ${r.runs} run(s) per tree and figure; medians. ` +
      `Baseline worktree's node_modules: ${r.baseline.nodeModules}` +
      `${r.baseline.copied.length ? `; harness files copied in: ${r.baseline.copied.join(', ')}` : ''}.`,
    '',
    `Load average (1 min) on this ${r.machine.cpus}-core machine: ${r.load
      .map((l) => `${l.what} ${(l.loadavg[0] ?? 0).toFixed(1)}`)
      .join(', ')}.`,
    '',
    'Suite runs and demos alternate between the trees run by run (A B B A …), each tree with its own ' +
      'sandbox (started once, as `npm run demo` does), database and Redis prefix. Reporter and merge ' +
      'figures are ratios inside each tree’s own interleaved rounds (synthetic results, one in ten ' +
      'a plain PNG attachment); the trees take turns going first.',
    '',
    ...renderGoalTable(goalRows(r)),
    '',
  );
  for (const target of r.suite?.targets ?? []) {
    const cells = (['baseline', 'this'] as Tree[]).map((t) => {
      const f = target.trees[t];
      return f
        ? `${t}: ${(f.wall.median / 1000).toFixed(2)} s (${(f.wall.min / 1000).toFixed(2)}–${(f.wall.max / 1000).toFixed(2)}), ` +
            `tests ${f.tests.join('/')}, exit ${f.exitCodes.join(',')}`
        : `${t}: not measured`;
    });
    out.push(`- ${target.target}: ${cells.join('; ')}`);
  }
  if (r.demo) {
    const cells = (['baseline', 'this'] as Tree[]).map((t) => {
      const d = r.demo?.trees[t];
      return d
        ? `${t}: ${(d.wall.median / 1000).toFixed(1)} s (${(d.wall.min / 1000).toFixed(1)}–${(d.wall.max / 1000).toFixed(1)}), exit ${d.exitCodes.join(',')}`
        : `${t}: not measured`;
    });
    out.push(`- demo: ${cells.join('; ')}`);
  }
  const notes = [
    ...(r.suite?.notes ?? []),
    ...(r.demo?.notes ?? []),
    ...(['baseline', 'this'] as Tree[]).flatMap((t) => [
      ...(r.reporter?.[t]?.notes ?? []).map((n) => `${t} reporter: ${n}`),
      ...(r.reporter?.[t]?.sizes.flatMap((z) => z.invalid) ?? []).map(
        (n) => `${t} reporter, invalid run: ${n}`,
      ),
      ...(r.merge?.[t]?.notes ?? []).map((n) => `${t} merge: ${n}`),
      ...(r.merge?.[t]?.invalid ?? []).map((n) => `${t} merge, invalid run: ${n}`),
    ]),
  ];
  if (notes.length) out.push('', ...notes.map((n) => `> ${n.split('\n')[0]}`));
  return `${out.join('\n')}\n`;
}
