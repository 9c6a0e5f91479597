// The compare section (`npm run bench -- --compare <ref>`): this tree against an earlier commit's
// worktree, both driven by this tree's bench code, in one invocation. Suite runs and demos
// alternate between the trees run by run (A B B A …), so drift and other people's load land on
// both alike; the reporter and merge figures are ratios inside each tree's own interleaved rounds.
import { runMergeCost, type MergeResults } from './merge-cost.ts';
import { runReporterCost, type ReporterCostResults } from './reporter-cost.ts';
import { summarize, type Summary } from './stats.ts';
import { demoOnce, openSuiteSession, type SuiteSession } from './suite-runs.ts';

export const TREES = ['this', 'baseline'] as const;
export type Tree = (typeof TREES)[number];

export interface TreeSuiteFigures {
  wall: Summary;
  /** CPU of the run's whole process tree (runner, workers, Chromium); null without GNU time. */
  treeCpuMs: Summary | null;
  tests: number[];
  exitCodes: (number | null)[];
}

export interface CompareSuiteTarget {
  target: 'full' | 'phase1';
  grep: string | null;
  trees: Partial<Record<Tree, TreeSuiteFigures>>;
}

export interface CompareResults {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memGiB: number; os: string; node: string; playwright: string };
  args: string[];
  /** os.loadavg() at the start and after each part. */
  load: { at: string; what: string; loadavg: number[] }[];
  current: { sha: string; short: string; dirty: boolean };
  baseline: { ref: string; sha: string; short: string; nodeModules: string; copied: string[] };
  runs: number;
  suite: { targets: CompareSuiteTarget[]; notes: string[] } | null;
  demo: {
    trees: Partial<Record<Tree, { wall: Summary; exitCodes: (number | null)[] }>>;
    notes: string[];
  } | null;
  reporter: Partial<Record<Tree, ReporterCostResults>> | null;
  merge: Partial<Record<Tree, MergeResults>> | null;
}

export type ComparePart = 'suite' | 'demo' | 'reporter' | 'merge';

/** A B, then B A, …: the tree that goes first alternates every round. */
export function abba(round: number): Tree[] {
  return round % 2 === 0 ? ['this', 'baseline'] : ['baseline', 'this'];
}

export async function runCompare(o: {
  results: CompareResults;
  repos: Record<Tree, string>;
  parts: ComparePart[];
  runs: number;
  demoRuns: number;
  quick: boolean;
  /** Reporter cost of whole `playwright test` runs besides replays (--no-runs: replays only). */
  wholeRuns: boolean;
  workers?: number;
  log: (s: string) => void;
  /** Called after every part: a cut-short invocation keeps what it measured. */
  save: (what: string) => void;
}): Promise<void> {
  const { results: r, repos, log } = o;
  if (o.parts.includes('suite')) {
    r.suite = { targets: [], notes: [] };
    await suitePart(o, r.suite);
    o.save('suite');
  }
  if (o.parts.includes('demo')) {
    r.demo = { trees: {}, notes: [] };
    const walls: Record<Tree, number[]> = { this: [], baseline: [] };
    const codes: Record<Tree, (number | null)[]> = { this: [], baseline: [] };
    for (let i = 0; i < o.demoRuns; i++) {
      for (const t of abba(i)) {
        const m = await demoOnce(repos[t]);
        log(`compare demo ${t}: ${(m.wallMs / 1000).toFixed(1)} s, exit ${m.exitCode}`);
        walls[t].push(m.wallMs);
        codes[t].push(m.exitCode);
        if (m.exitCode !== 0)
          r.demo.notes.push(`${t} demo exited ${m.exitCode}; tail:\n${m.output.slice(-1500)}`);
        r.demo.trees[t] = { wall: summarize(walls[t]), exitCodes: codes[t] };
        o.save(`demo ${t}`);
      }
    }
  }
  const tests = o.quick ? 200 : 2000;
  if (o.parts.includes('reporter')) {
    r.reporter = {};
    for (const t of TREES) {
      log(`compare reporter ${t}: ${tests} synthetic results, one in ten a plain PNG`);
      const variants = ['dot', 'html', 'phasegate'] as const;
      r.reporter[t] = await runReporterCost({
        repo: repos[t],
        sizes: [
          {
            tests,
            run: o.wholeRuns ? { variants: [...variants], runs: o.runs } : null,
            replay: { variants: [...variants], runs: o.runs },
          },
        ],
        log: (s) => log(`${t}: ${s}`),
        shotStyle: 'plain',
      });
      o.save(`reporter ${t}`);
    }
  }
  if (o.parts.includes('merge')) {
    r.merge = {};
    // The other order than the reporter part: neither tree always goes first.
    for (const t of [...TREES].reverse()) {
      r.merge[t] = await runMergeCost({
        repo: repos[t],
        tests,
        shards: 4,
        runs: o.runs,
        log: (s) => log(`${t}: ${s}`),
        shotStyle: 'plain',
      });
      o.save(`merge ${t}`);
    }
  }
}

async function suitePart(
  o: Parameters<typeof runCompare>[0],
  out: NonNullable<CompareResults['suite']>,
): Promise<void> {
  const targets: { target: CompareSuiteTarget['target']; grep: string | null }[] = [
    ...(o.quick ? [] : [{ target: 'full' as const, grep: null }]),
    { target: 'phase1', grep: '@phase1\\b' },
  ];
  const sessions: Partial<Record<Tree, SuiteSession>> = {};
  try {
    for (const t of TREES) {
      sessions[t] = await openSuiteSession({
        repo: o.repos[t],
        label: t === 'this' ? 't' : 'b',
        workers: o.workers,
        sharedSandbox: true,
        log: o.log,
      });
    }
    const session = (t: Tree) => sessions[t] as SuiteSession;
    // Fills each tree's transform cache (a new worktree starts cold) and its synthetic records'
    // tables; not counted.
    for (const t of TREES) {
      const warm = targets[0] as (typeof targets)[number];
      o.log(`compare suite ${t}: warm-up ${warm.target} run (not counted)`);
      const w = await session(t).runOnce(warm.grep);
      if (w.m.exitCode !== 0)
        out.notes.push(`${t} warm-up exited ${w.m.exitCode}; tail:\n${w.m.output.slice(-1500)}`);
    }
    const raw = new Map<string, { wall: number; cpu: number | null; tests: number; exit: number | null }[]>();
    for (let round = 0; round < o.runs; round++) {
      for (const [i, target] of targets.entries()) {
        for (const t of abba(round + i)) {
          const { m, timeline } = await session(t).runOnce(target.grep);
          if (!timeline) {
            out.notes.push(
              `${t} ${target.target}: no timeline (exit ${m.exitCode}); tail:\n${m.output.slice(-800)}`,
            );
            o.log(`compare suite ${t} ${target.target}: INVALID (no timeline, exit ${m.exitCode})`);
            continue;
          }
          if (m.exitCode !== 0)
            out.notes.push(`${t} ${target.target} exited ${m.exitCode}; tail:\n${m.output.slice(-800)}`);
          o.log(
            `compare suite ${t} ${target.target}: ${(m.wallMs / 1000).toFixed(2)} s wall, ` +
              `${((m.treeCpuMs ?? 0) / 1000).toFixed(1)} s CPU, ${timeline.tests} tests, exit ${m.exitCode}`,
          );
          const key = `${target.target}/${t}`;
          raw.set(key, [
            ...(raw.get(key) ?? []),
            { wall: m.wallMs, cpu: m.treeCpuMs, tests: timeline.tests, exit: m.exitCode },
          ]);
        }
      }
      out.targets = targets.map((target) => ({
        ...target,
        trees: Object.fromEntries(
          TREES.flatMap((t) => {
            const list = raw.get(`${target.target}/${t}`);
            if (!list?.length) return [];
            const cpus = list.map((x) => x.cpu);
            const figures: TreeSuiteFigures = {
              wall: summarize(list.map((x) => x.wall)),
              treeCpuMs: cpus.every((c) => c !== null) ? summarize(cpus as number[]) : null,
              tests: list.map((x) => x.tests),
              exitCodes: list.map((x) => x.exit),
            };
            return [[t, figures]];
          }),
        ),
      }));
      o.save(`suite round ${round + 1}`);
    }
  } finally {
    for (const t of TREES) await sessions[t]?.close();
  }
}
