// `npm run bench [-- --quick] [--runs N] [--only suite,reporter,merge,screenshots] [--sizes 500,2000]
// [--merge-tests N] [--no-demo] [--demo-runs N] [--no-runs] [--variants dot,phasegate,empty,html,junit,blob]
// [--workers N] [--plain-shots | --foreign-shots] [--out path] [--compare <ref> [--compare-parts suite,demo,reporter,merge]]`:
// measures time to verdict against the sandbox, reporter and merge cost on synthetic suites,
// and screenshot processing; writes bench/results/<mode>.json and .md (BENCHMARKS.md quotes
// them). `--compare <ref>` (the section `compare`, alone unless --only names more) measures this
// tree against that commit's worktree in one invocation, per goal of issue #13, into
// bench/results/compare-<short-sha>.json and .md. Never part of `npm test`: these are wall-clock figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { goalRows, renderCompare } from './compare-render.ts';
import { runCompare, type ComparePart, type CompareResults } from './compare-run.ts';
import { BadRefError, createBaselineTree, resolveRef } from './compare-worktree.ts';
import { runMergeCost } from './merge-cost.ts';
import { renderResults, type BenchResults } from './render-results.ts';
import { runReporterCost, VARIANTS, type SizePlan, type Variant } from './reporter-cost.ts';
import { runScreenshotCost } from './screenshot-cost.ts';
import { runSuiteBench } from './suite-runs.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SECTIONS = ['suite', 'reporter', 'merge', 'screenshots', 'compare'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench [-- --quick] [--runs N] [--only ${SECTIONS.join(',')}] [--sizes 500,2000]
  [--merge-tests N] [--no-demo] [--demo-runs N] [--no-runs] [--variants dot,phasegate,empty,html,junit,blob]
  [--workers N] [--plain-shots | --foreign-shots] [--out path] [--compare <ref> [--compare-parts suite,demo,reporter,merge]]
Method, results and how to read them: BENCHMARKS.md.`;

function parseCli() {
  try {
    return parseArgs({ options: CLI_OPTIONS });
  } catch (err) {
    // An unknown or malformed option: say which, and how to call it, without a stack trace.
    console.error(`bench: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const CLI_OPTIONS = {
  quick: { type: 'boolean', default: false },
  runs: { type: 'string' },
  only: { type: 'string' },
  sizes: { type: 'string' },
  'merge-tests': { type: 'string' },
  'no-demo': { type: 'boolean', default: false },
  'no-runs': { type: 'boolean', default: false },
  'demo-runs': { type: 'string' },
  variants: { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string' },
  'plain-shots': { type: 'boolean', default: false },
  'foreign-shots': { type: 'boolean', default: false },
  compare: { type: 'string' },
  'compare-parts': { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;
const { values } = parseCli();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench: --${name} expects a whole number >= 1, got "${v}"`);
    process.exit(2);
  }
  return n;
}
function intList(name: string, v: string): number[] {
  return v.split(',').map((s) => positiveInt(name, s.trim()));
}

const quick = values.quick;
/** Replays only in section 2 (whole runs of 2,000 tests take minutes on a loaded machine). */
const noRuns = values['no-runs'];
const runsOverride = values.runs ? positiveInt('runs', values.runs) : undefined;
const only = (
  values.only
    ? values.only.split(',').map((s) => s.trim())
    : values.compare !== undefined
      ? ['compare']
      : SECTIONS.filter((s) => s !== 'compare')
) as Section[];
for (const s of only) {
  if (!SECTIONS.includes(s)) {
    console.error(`bench: --only takes ${SECTIONS.join(', ')}; got "${s}"`);
    process.exit(2);
  }
}
if (only.includes('compare') && values.compare === undefined) {
  console.error('bench: the compare section needs --compare <ref> (a commit to measure this tree against)');
  process.exit(2);
}
const COMPARE_PARTS: ComparePart[] = ['suite', 'demo', 'reporter', 'merge'];
const compareParts = (values['compare-parts']?.split(',').map((s) => s.trim()) ??
  COMPARE_PARTS) as ComparePart[];
for (const p of compareParts) {
  if (!COMPARE_PARTS.includes(p)) {
    console.error(`bench: --compare-parts takes ${COMPARE_PARTS.join(', ')}; got "${p}"`);
    process.exit(2);
  }
}
// Resolved before anything is measured: a typo costs a line, not minutes.
let compareRef: { sha: string; short: string } | null = null;
if (values.compare !== undefined) {
  try {
    compareRef = resolveRef(repo, values.compare);
  } catch (e) {
    if (!(e instanceof BadRefError)) throw e;
    console.error(`bench: --compare: ${e.message}`);
    process.exit(2);
  }
}
const sizes = values.sizes ? intList('sizes', values.sizes) : quick ? [200] : [500, 2000, 10000];
const mergeTests = values['merge-tests']
  ? positiveInt('merge-tests', values['merge-tests'])
  : quick
    ? 200
    : 2000;
const replayVariants = values.variants?.split(',').map((v) => {
  if (!VARIANTS.includes(v as Variant)) {
    console.error(`bench: --variants takes ${VARIANTS.join(', ')}; got "${v}"`);
    process.exit(2);
  }
  return v as Variant;
});
if (replayVariants && !replayVariants.includes('dot')) {
  console.error('bench: --variants must include dot, the baseline');
  process.exit(2);
}
/** Screenshots of sections 2–3: measured at capture, plain attachments in checks of our `test`, or
 *  plain attachments in bare Playwright tests (synthetic-suite.ts, ShotStyle). */
const shotStyle = values['foreign-shots'] ? 'foreign' : values['plain-shots'] ? 'plain' : 'measured';
const mode = quick ? 'quick' : 'latest';
const outBase = values.out ?? path.join(repo, 'bench/results', mode);

const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

function machine(): BenchResults['machine'] {
  const pkg = (p: string) =>
    (
      JSON.parse(readFileSync(path.join(repo, 'node_modules', p, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    playwright: pkg('@playwright/test'),
    sharp: pkg('sharp'),
  };
}

const results: BenchResults = {
  startedAt: new Date().toISOString(),
  finishedAt: '',
  mode,
  machine: machine(),
  args: process.argv.slice(2),
  load: [{ at: new Date().toISOString(), what: 'start', loadavg: os.loadavg() }],
  suite: null,
  reporter: null,
  merge: null,
  screenshots: null,
};

/** Saves after a section; the load average says how shared the machine was meanwhile. */
function save(what = 'end'): void {
  results.load.push({ at: new Date().toISOString(), what, loadavg: os.loadavg() });
  results.finishedAt = new Date().toISOString();
  mkdirSync(path.dirname(outBase), { recursive: true });
  writeFileSync(`${outBase}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${outBase}.md`, renderResults(results));
}

// Saved after every section, so a long invocation cut short still leaves its figures.
if (only.includes('screenshots')) {
  results.screenshots = await runScreenshotCost({
    repo,
    images: quick ? 20 : 100,
    concurrency: quick ? [1, 4] : [1, 2, 4, 8],
    evidenceCounts: quick ? [10] : [25, 100, 400],
    runs: runsOverride ?? (quick ? 1 : 5),
    log,
  });
  save('screenshots');
}
if (only.includes('suite')) {
  results.suite = await runSuiteBench({
    repo,
    runs: runsOverride ?? (quick ? 1 : 3),
    phases: quick ? [1] : [1, 2, 3, 4, 5, 6, 7, 8],
    full: true,
    demo: !values['no-demo'] && !quick,
    workers: values.workers ? positiveInt('workers', values.workers) : undefined,
    demoRuns: values['demo-runs'] ? positiveInt('demo-runs', values['demo-runs']) : undefined,
    log,
  });
  save('suite');
}
if (only.includes('reporter')) {
  const runs = (n: number) => runsOverride ?? (quick ? 1 : n);
  // Whole runs where the targets are (500 and 2,000); replays for every size and reporter,
  // 10,000 included, because they isolate the reporter's own cost and take seconds, not minutes.
  const plans: SizePlan[] = sizes.map((n) => ({
    tests: n,
    run: quick || n > 2000 || noRuns ? null : { variants: ['dot', 'phasegate', 'html'], runs: runs(3) },
    replay: {
      variants:
        replayVariants ?? (quick ? ['dot', 'phasegate'] : ['dot', 'phasegate', 'html', 'junit', 'blob']),
      runs: runs(5),
    },
  }));
  results.reporter = await runReporterCost({ repo, sizes: plans, log, shotStyle });
  save('reporter');
}
if (only.includes('merge')) {
  results.merge = await runMergeCost({
    repo,
    tests: mergeTests,
    shards: 4,
    runs: runsOverride ?? (quick ? 1 : 5),
    log,
    shotStyle,
  });
  save('merge');
}
if (only.some((s) => s !== 'compare')) {
  save();
  console.log(`\n${renderResults(results)}`);
  log(`results: ${path.relative(repo, outBase)}.json and .md`);
}
if (compareRef) await compareSection(compareRef, values.compare as string);

async function compareSection(ref: { sha: string; short: string }, name: string): Promise<void> {
  // --out names the compare files when the compare section runs alone.
  const base =
    values.out && only.every((s) => s === 'compare')
      ? values.out
      : path.join(repo, 'bench/results', `compare-${ref.short}`);
  const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], {
    encoding: 'utf8',
  }).trim();
  const tree = createBaselineTree(repo, ref, log);
  const { playwright, ...m } = machine();
  const r: CompareResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: { ...m, playwright },
    args: process.argv.slice(2),
    load: [{ at: new Date().toISOString(), what: 'start', loadavg: os.loadavg() }],
    current: { sha: head, short: head.slice(0, ref.short.length), dirty: dirty !== '' },
    baseline: {
      ref: name,
      sha: ref.sha,
      short: ref.short,
      nodeModules: tree.nodeModules,
      copied: tree.copied,
    },
    runs: runsOverride ?? (quick ? 1 : 3),
    suite: null,
    demo: null,
    reporter: null,
    merge: null,
  };
  const saveCompare = (what: string) => {
    r.load.push({ at: new Date().toISOString(), what, loadavg: os.loadavg() });
    r.finishedAt = new Date().toISOString();
    mkdirSync(path.dirname(base), { recursive: true });
    writeFileSync(`${base}.json`, `${JSON.stringify({ ...r, goals: goalRows(r) }, null, 2)}\n`);
    writeFileSync(`${base}.md`, renderCompare(r));
  };
  const parts = compareParts.filter((p) => p !== 'demo' || !(values['no-demo'] || quick));
  log(
    `compare: this tree (${r.current.short}) against ${name} (${ref.short}): ${parts.join(', ')}; ${r.runs} run(s) each`,
  );
  try {
    await runCompare({
      results: r,
      repos: { this: repo, baseline: tree.dir },
      parts,
      runs: r.runs,
      demoRuns: values['demo-runs'] ? positiveInt('demo-runs', values['demo-runs']) : (runsOverride ?? 2),
      quick,
      wholeRuns: !noRuns,
      workers: values.workers ? positiveInt('workers', values.workers) : undefined,
      log,
      save: saveCompare,
    });
    saveCompare('end');
  } finally {
    tree.remove();
  }
  console.log(`\n${renderCompare(r)}`);
  log(`compare results: ${path.relative(repo, base)}.json and .md`);
}
