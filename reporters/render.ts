// Pure rendering of the run model into the report tree's files (STYLE.md "A reporter"): the
// templates and the clock come in as arguments; the result is a map of relative path → content.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type HandlebarsModule from 'handlebars';
import { phases } from '../phases/catalogue.ts';
import { historyEntry, sparkline, trendSvg } from './history.ts';
import { formatValue, measurementMessage, type Measurement } from '../results/index.ts';
import type { CauseGroup, Check, CheckStatus, RunModel, RunStatus, StepSnap } from './model.ts';
import { deploymentBlock, formatDuration } from './signoff.ts';

/** Template sources by file name (reporters/templates/*.hbs), loaded by write.ts. */
export type Templates = Record<string, string>;

/**
 * Templates compiled by an earlier run, by template name and a hash of what it was compiled from
 * (write.ts keeps the newest of each template under node_modules/.cache): compiling the three
 * report pages cost ~0.1 s of every run's verdict, a compiled one ~7 ms.
 */
export interface TemplateSpecs {
  get(name: string, hash: string): string | undefined;
  set(name: string, hash: string, spec: string): void;
}

export interface RenderContext {
  templates: Templates;
  now: Date;
  /** Without it every template is compiled from its source. */
  specs?: TemplateSpecs;
}

/** A file produced piece by piece as it is written, so it is never whole in memory at once. */
export type Chunks = () => Iterable<string>;

export interface RenderedRun {
  /** Relative to the report folder; status.env is written last by write.ts. */
  report: Map<string, string | Chunks>;
  /** Relative to the screenshot folder. */
  screenshots: Map<string, string>;
  /** The line appended to storage/history.jsonl. */
  historyLine: string;
  /** The block appended to storage/deployment.log. */
  deploymentBlock: string;
  /** The Markdown appended to GITHUB_STEP_SUMMARY (when set). */
  stepSummary: string;
}

export const ICON: Record<CheckStatus | RunStatus | 'NONE', string> = {
  PASS: '✅',
  WARN: '⚠️',
  FAIL: '❌',
  INCONCLUSIVE: '❔',
  ERROR: '❔',
  SKIP: '⏭️',
  NONE: '⬜',
};

/** The state in words, for readers without colour emoji fonts (a server's browser often has none). */
export const WORD: Record<CheckStatus | RunStatus | 'NONE', string> = {
  PASS: 'pass',
  WARN: 'warning',
  FAIL: 'fail',
  INCONCLUSIVE: 'inconclusive',
  ERROR: 'inconclusive',
  SKIP: 'skipped',
  NONE: 'not covered',
};

/** 100 → "100%", 83.33 → "83.3%": one decimal only where the rate is not whole. */
export function formatRate(rate: number): string {
  return Number.isInteger(rate) ? `${rate}%` : `${rate.toFixed(1)}%`;
}

/**
 * Nothing failed, and what is wrong is the checker's: inconclusive checks only, or a verdict of
 * INCONCLUSIVE (a run that selected no check; its "No tests found" is the checker's too). Its
 * lines are marked ❔, never ❌, which reads as a failure of the target.
 */
function unverified(model: RunModel): boolean {
  const c = model.counts;
  if (c.failed > 0) return false;
  return model.recommendation === 'INCONCLUSIVE' || (c.inconclusive > 0 && model.globalErrors.length === 0);
}

/** The mark of a run error (outside any check) in every page of the report. */
function runErrorMark(model: RunModel): '❔' | '❌' {
  return unverified(model) ? '❔' : '❌';
}

/** The runbook's three summary lines. */
export function summaryHead(model: RunModel): string[] {
  const c = model.counts;
  const ok = c.failed === 0 && c.inconclusive === 0 && c.executed > 0 && model.globalErrors.length === 0;
  const mark = ok ? '✅' : runErrorMark(model);
  const critical =
    c.criticalFailures === 0
      ? '✅ No critical errors'
      : `❌ ${c.criticalFailures} critical error${c.criticalFailures === 1 ? '' : 's'}`;
  const lines = [
    `${mark} ${c.passed}/${c.executed} checks passed`,
    `${mark} Success rate: ${c.executed === 0 ? 'n/a (no check ran)' : formatRate(model.successRate)}`,
    critical,
  ];
  if (c.inconclusive > 0)
    lines.push(
      `❔ ${c.inconclusive} check${c.inconclusive === 1 ? '' : 's'} inconclusive (the checker could not verify)`,
    );
  return lines;
}

export function resultLine(model: RunModel): string {
  switch (model.recommendation) {
    case 'PROCEED':
      // The last phase has no next one: the rollout goes to its final sign-off.
      return model.phase === phases.at(-1)?.id
        ? 'Result: ALL PHASES VERIFIED - PROCEED TO FINAL SIGN-OFF ✅'
        : 'Result: PROCEED TO NEXT PHASE ✅';
    case 'MONITOR':
      return `Result: Acceptable for Phase ${model.phase}, monitor`;
    case 'FIX_AND_RETEST':
      return 'Result: DO NOT PROCEED - FIX & RETEST ❌';
    case 'ROLLBACK':
      return `Result: ROLLBACK - critical check failed, revert Phase ${model.phase} ❌`;
    case 'INCONCLUSIVE':
      return `Result: INCONCLUSIVE - ${model.verdictCause ?? `could not verify Phase ${model.phase}`}; fix the runner and re-run; do not roll back on this result ❔`;
  }
}

/** "❔ 10 browser checks: Chromium not found at /x — fix: …", then the checks, indented. */
export function causeGroupLines(g: CauseGroup): string[] {
  const what = g.status === 'INCONCLUSIVE' ? 'INCONCLUSIVE' : 'FAIL';
  return [
    `${ICON[g.status]} ${g.checks.length} ${g.noun} ${what}, one cause: ${g.text}${g.evidence ? ` (evidence: ${g.evidence})` : ''}${g.fix ? ` — fix: ${g.fix}` : ''}`,
    ...g.checks.map((c) => `    - ${c.title}`),
  ];
}

export function summaryTxt(model: RunModel): string {
  const lines = [...summaryHead(model), ''];
  if (model.preflight.length) lines.push(...model.preflight.map((l) => `⚠️ ${l}`), '');
  if (model.causes.length) {
    for (const g of model.causes) lines.push(...causeGroupLines(g));
    lines.push('');
  }
  for (const c of model.checks) lines.push(`${ICON[c.status]} ${c.title}: ${c.summaryText}`);
  const mark = runErrorMark(model);
  for (const e of model.globalErrors) lines.push(`${mark} Run error (outside any check): ${oneLine(e)}`);
  lines.push('');
  if (model.bothVersionsFailing) {
    lines.push(
      `⚠️ Both versions failing — investigate infrastructure (${model.bothVersionsFailing.previous} and ${model.bothVersionsFailing.current})`,
      '',
    );
  }
  lines.push(resultLine(model));
  return lines.join('\n') + '\n';
}

/** Shell-quotes a value unless it is plainly safe. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:@+,-]*$/.test(v) && v !== '' ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

export function statusEnv(model: RunModel): string {
  const c = model.counts;
  const pairs: [string, string | number][] = [
    ['PHASE', model.phase],
    ['STATUS', model.status],
    ['TOTAL', c.total],
    ['PASSED', c.passed],
    ['FAILED', c.failed],
    ['INCONCLUSIVE', c.inconclusive],
    ['WARNINGS', c.warnings],
    ['SKIPPED', c.skipped],
    ['FLAKY', c.flaky],
    ['SUCCESS_RATE', model.successRate.toFixed(1)],
    ['CRITICAL_FAILURES', c.criticalFailures],
    ['RECOMMENDATION', model.recommendation],
    ['REPORT_DIR', model.reportDir],
    ['SCREENSHOT_DIR', model.screenshotDir],
    ['STARTED_AT', model.startedAt],
    ['DURATION_MS', Math.round(model.durationMs)],
  ];
  return (
    `# phasegate run status: safe to source (values shell-quoted). STATUS: PASS | WARN | ERROR | FAIL\n` +
    pairs.map(([k, v]) => `${k}=${shellQuote(String(v))}`).join('\n') +
    '\n'
  );
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ⏎ ').trim();
}

function indent(text: string, prefix = '    | '): string {
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function stepLines(steps: readonly StepSnap[], depth: number): string[] {
  const out: string[] = [];
  for (const s of steps) {
    // Empty, error-free hook wrappers ("Before Hooks" with nothing in them) are noise.
    if (s.category === 'hook' && !s.error && s.steps.length === 0) continue;
    const mark = s.error ? '✗' : '✓';
    out.push(
      `${'  '.repeat(depth)}${mark} ${s.title} (${Math.round(s.durationMs)} ms)${s.error ? `: ${oneLine(s.error).slice(0, 300)}` : ''}`,
    );
    out.push(...stepLines(s.steps, depth + 1));
  }
  return out;
}

function checkLog(c: Check): string {
  const lines = [
    `${ICON[c.status]} ${c.status}${c.crashed ? ' (crashed)' : ''}${c.fault ? ` (${c.fault}'s fault)` : ''}  ${c.title}`,
    `  file: ${c.file}:${c.line}   project: ${c.project || '(none)'}`,
    `  tags: ${c.tags.join(' ')}`,
    `  duration: ${Math.round(c.durationMs)} ms   retries: ${c.retries}`,
  ];
  if (c.checklist.length) lines.push(`  checklist: ${c.checklist.join(', ')}`);
  if (c.status !== 'PASS') lines.push(`  result: ${c.summaryText}`);
  for (const m of c.measurements) {
    lines.push(
      `  measurement: ${m.name} = ${m.value} ${m.unit} (target ${m.target}, limit ${m.limit}) ${m.verdict}`,
    );
  }
  for (const s of c.screenshots)
    lines.push(`  screenshot: ${s.file}${s.blank ? ` (BLANK: ${s.blankReason})` : ''}`);
  const steps = stepLines(c.steps, 2);
  if (steps.length) lines.push('  steps:', ...steps);
  if (c.stdout.trim()) lines.push('  stdout:', indent(c.stdout));
  if (c.stderr.trim()) lines.push('  stderr:', indent(c.stderr));
  // Earlier attempts only: the final one is the "error" below.
  c.attempts.slice(0, -1).forEach((a) => {
    if (a.errors.length) {
      lines.push(`  attempt ${a.retry + 1} (${a.status}):`, indent(a.errors.join('\n')));
    }
  });
  if (c.errors.length) lines.push('  error:', indent(c.errors.join('\n\n')));
  if (c.kind === 'e2e') {
    lines.push(
      '  browser console:',
      c.browserConsole?.trim() ? indent(c.browserConsole) : '    (no console errors or page errors recorded)',
    );
  }
  return lines.join('\n');
}

function logFile(model: RunModel, kind: Check['kind']): string {
  const checks = model.checks.filter((c) => c.kind === kind);
  const head = `phasegate ${kind}.log: phase ${model.phase} (${model.phaseName}), run started ${model.startedAt}\n${'='.repeat(72)}\n`;
  if (!checks.length) return `${head}(no @${kind} checks in this run)\n`;
  return head + checks.map(checkLog).join(`\n${'-'.repeat(72)}\n`) + '\n';
}

function posixRelative(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.';
}

/** "███████░░░ 70% of limit": a measured value against its limit, readable without colour. */
export function textBar(m: Measurement, width = 10): string {
  const span = Math.max(m.limit, m.target, m.value) || 1;
  const filled = Math.max(0, Math.min(width, Math.round((m.value / span) * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

const VERDICT_COLOUR = { green: '#1a7f37', yellow: '#9a6700', red: '#cf222e' } as const;

/**
 * A small horizontal bar of a measured value, with ticks at its target and limit, as inline SVG
 * for index.html; built from numbers and fixed strings only, so it needs no escaping.
 */
export function measurementSvg(m: Measurement): string {
  const w = 160;
  const h = 14;
  const span = Math.max(m.limit, m.target, m.value) * 1.1 || 1;
  const x = (v: number) => Math.round((Math.max(0, v) / span) * w);
  const n = (v: number) => (Number.isFinite(v) ? v : 0);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="value against target and limit">` +
    `<rect x="0" y="3" width="${w}" height="8" fill="#eaeef2"/>` +
    `<rect x="0" y="3" width="${x(n(m.value))}" height="8" fill="${VERDICT_COLOUR[m.verdict]}"/>` +
    `<rect x="${x(n(m.target))}" y="0" width="2" height="${h}" fill="#57606a"><title>target</title></rect>` +
    `<rect x="${Math.min(w - 2, x(n(m.limit)))}" y="0" width="2" height="${h}" fill="#cf222e"><title>limit</title></rect>` +
    `</svg>`
  );
}

/** The measured values of this run's measurements across the trend's runs (oldest first). */
function valueTrends(model: RunModel): { name: string; unit: string; values: string; sparkline: string }[] {
  const current = new Map<string, Measurement>();
  for (const c of model.checks)
    for (const m of c.measurements) if (!current.has(m.name)) current.set(m.name, m);
  return [...current.values()].map((m) => {
    const series = model.trend
      .map((p) => p.values?.[m.name])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const max = Math.max(m.limit, m.target, ...series);
    return {
      name: m.name,
      unit: m.unit,
      values: series.map((v) => formatValue(v, m.unit)).join(' → '),
      sparkline: sparkline(series, 0, max),
    };
  });
}

/** Escapes what would break a Markdown table cell or list item. */
function md(v: unknown): string {
  return String(v ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;');
}

function view(model: RunModel) {
  const shotDirLink = posixRelative(model.reportDir, model.screenshotDir);
  const byId = new Map(model.checks.map((c) => [c.id, c]));
  const htmlReport = posixRelative(model.reportDir, 'playwright-report');
  // The view's own fields first, the check's after: V8 copies a 31-field object whole when the
  // spread comes last, but fell back to adding the fields one by one when fields followed it
  // (~10 µs a check: 20 ms of 2,000 checks' view). A view field named like one of Check's (all
  // of them required) would be overwritten by the spread: TypeScript refuses it (TS2783).
  const checkView = (c: Check) => ({
    icon: ICON[c.status],
    word: WORD[c.status],
    duration: formatDuration(c.durationMs),
    logName: `${c.kind}.log`,
    measured: c.measurements.map((m) => ({
      ...m,
      text: measurementMessage(m),
      bar: textBar(m),
      svg: measurementSvg(m),
      word: m.verdict === 'green' ? 'within target' : m.verdict === 'yellow' ? 'over target' : 'over limit',
    })),
    shotLinks: c.screenshots.map((s) => ({ name: s.name, link: `${shotDirLink}/${s.file}` })),
    traceLink: c.trace ? `${shotDirLink}/${c.trace}` : null,
    htmlReportLink: `${htmlReport}/index.html#?testId=${encodeURIComponent(c.id)}`,
    ...c,
  });
  const causeView = (g: CauseGroup) => ({
    ...g,
    icon: ICON[g.status],
    word: WORD[g.status],
    count: g.checks.length,
  });
  const rates = model.trend.map((p) => p.successRate);
  const runMark = runErrorMark(model);
  return {
    model,
    icon: ICON[model.status],
    resultLine: resultLine(model),
    summaryHead: summaryHead(model),
    runError: { mark: runMark, class: runMark === '❔' ? 'INCONCLUSIVE' : 'FAIL' },
    duration: formatDuration(model.durationMs),
    phaseSource:
      model.phaseSource === 'tags'
        ? 'the checks’ tags'
        : model.phaseSource === 'DEPLOYMENT_PHASE'
          ? 'DEPLOYMENT_PHASE'
          : 'fallback (no common phase tag)',
    checks: model.checks.map(checkView),
    failures: model.checks.filter((c) => c.status === 'FAIL').map(checkView),
    inconclusive: model.checks.filter((c) => c.status === 'INCONCLUSIVE').map(checkView),
    causes: model.causes.map(causeView),
    word: WORD[model.status],
    valueTrends: valueTrends(model),
    warned: model.checks.filter((c) => c.status === 'WARN').map(checkView),
    skipped: model.checks.filter((c) => c.status === 'SKIP').map(checkView),
    screenshots: model.screenshots.map((s) => ({
      ...s,
      check: byId.get(s.testId)?.title ?? '',
      url: s.meta?.url ?? '',
      link: `${shotDirLink}/${s.file}`,
      thumbLink: `${shotDirLink}/${s.thumbnail ?? s.file}`,
    })),
    trend: model.trend.map((p) => ({ ...p, duration: formatDuration(p.durationMs) })),
    sparkline: sparkline(rates),
    trendFrom: formatRate(rates[0] ?? 0),
    trendTo: formatRate(rates[rates.length - 1] ?? 0),
    trendSvg: trendSvg(model.trend),
    trendRuns: model.trend.length === 1 ? 'this run only so far' : `last ${model.trend.length} runs`,
    uncovered: model.coverage.items.filter((i) => i.status === 'NONE'),
    items: model.coverage.items.map((i) => ({
      ...i,
      uncovered: i.status === 'NONE',
      checks: i.checks.map((c) => ({ ...c, icon: ICON[c.status] })),
    })),
    shotDirLink,
  };
}

type Handlebars = typeof HandlebarsModule;
const requireCjs = createRequire(import.meta.url);
let runtime: Handlebars | undefined;
let compiler: Handlebars | undefined;

/**
 * Handlebars' runtime renders a compiled template; its compiler (~25 ms to load, the compile
 * itself ~0.1 s cold) is loaded only for a template no earlier run compiled (BENCHMARKS.md,
 * section 9).
 */
function handlebars(withCompiler: boolean): Handlebars {
  if (withCompiler) return (compiler ??= requireCjs('handlebars') as Handlebars);
  return (runtime ??= requireCjs('handlebars/runtime') as Handlebars);
}

/** Handlebars with its compiler, loaded on first use (notify.ts compiles its messages with it). */
export function handlebarsCompiler(): Handlebars {
  return handlebars(true);
}

function template(ctx: RenderContext, name: string, escape: boolean): HandlebarsModule.TemplateDelegate {
  const source = ctx.templates[name];
  if (source === undefined) throw new Error(`render: template reporters/templates/${name} is missing`);
  const options = { noEscape: !escape, strict: false };
  const withHelpers = (hb: Handlebars) => {
    const env = hb.create();
    env.registerHelper('md', md);
    return env;
  };
  if (!ctx.specs) return withHelpers(handlebars(true)).compile(source, options);
  // A compiled template is the source of one JavaScript object (Handlebars.precompile).
  const fromSpec = (spec: string) =>
    withHelpers(handlebars(false)).template(new Function(`return ${spec};`)());
  const hash = createHash('sha256')
    .update(JSON.stringify([handlebars(false).VERSION, name, options, source]))
    .digest('hex')
    .slice(0, 24);
  const cached = ctx.specs.get(name, hash);
  if (cached !== undefined) {
    try {
      return fromSpec(cached);
    } catch {
      // A damaged cache entry is compiled again below and replaced.
    }
  }
  const spec = handlebars(true).precompile(source, options) as string;
  ctx.specs.set(name, hash, spec);
  return fromSpec(spec);
}

export function screenshotReport(model: RunModel): string {
  const byId = new Map(model.checks.map((c) => [c.id, c.title]));
  return (
    JSON.stringify(
      {
        phase: model.phase,
        startedAt: model.startedAt,
        reportDir: model.reportDir,
        screenshots: model.screenshots.map((s) => ({
          file: s.file,
          check: byId.get(s.testId) ?? '',
          name: s.name,
          url: s.meta?.url || null,
          viewport: s.meta?.viewport ?? null,
          sha256: s.sha256,
          size: s.size,
          width: s.width,
          height: s.height,
          verdict: s.blank ? 'blank' : 'ok',
          verdictReason: s.blankReason,
          thumbnail: s.thumbnail,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

/** The Markdown for GITHUB_STEP_SUMMARY: the summary lines, the failures, where the report is. */
export function stepSummary(model: RunModel): string {
  const lines = [
    `### ${ICON[model.status]} Phase ${model.phase} (${model.phaseName}): ${model.recommendation}`,
    '',
    ...summaryHead(model).map((l) => `${l}  `),
    '',
    `**${resultLine(model)}**`,
    '',
  ];
  const notGreen = model.checks.filter((c) => c.status !== 'PASS');
  if (notGreen.length) {
    lines.push('| | Check | Result |', '|---|---|---|');
    for (const c of notGreen) lines.push(`| ${ICON[c.status]} | ${md(c.title)} | ${md(c.summaryText)} |`);
    lines.push('');
  }
  lines.push(`Report: \`${model.reportDir}/INDEX.md\``, '');
  return lines.join('\n');
}

/** What the reporter prints at the end of a run (uncoloured; reporter.ts colours it on a TTY). */
export function consoleLines(model: RunModel): string[] {
  const lines = [...summaryHead(model), resultLine(model)];
  if (model.bothVersionsFailing) lines.push('⚠️ Both versions failing — investigate infrastructure');
  for (const n of model.notifications)
    if (!n.ok) lines.push(`❌ ${n.channel} notification failed: ${n.detail}`);
  lines.push(`Report: ${path.join(model.reportDir, 'INDEX.md')}`);
  return lines;
}

/** Checks stringified at once for report.json: ~200 KB a piece for 2,000 checks' 3.8 MB. */
const JSON_BATCH = 100;

/**
 * `JSON.stringify(value, null, 2) + '\n'`, character for character, in pieces: the items of the
 * array `list` a batch at a time, every other property whole. (Nested pretty JSON is the value's
 * own pretty JSON with every line but the first indented by its depth; strings never hold a raw
 * newline, so indenting after each newline is exact.)
 */
export function* prettyJsonChunks(value: Record<string, unknown>, list: string): Generator<string> {
  const indent = (json: string, by: string) => json.split('\n').join(`\n${by}`);
  let first = true;
  const property = (key: string) => {
    const head = `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    return head;
  };
  yield '{';
  for (const [key, v] of Object.entries(value)) {
    if (key === list && Array.isArray(v) && v.length > 0) {
      yield `${property(key)}[`;
      // A batch is stringified inside an object of the same shape, `{ "<key>": [items] }`, so
      // JSON.stringify indents its items as deep as the document does; the wrapper's first and
      // last lines are cut off. One call a batch, where one a check and re-indenting its lines
      // took twice as long (BENCHMARKS.md, section 13).
      const head = `{\n  ${JSON.stringify(key)}: [\n`.length;
      const tail = '\n  ]\n}'.length;
      for (let i = 0; i < v.length; i += JSON_BATCH) {
        const wrapped = JSON.stringify({ [key]: v.slice(i, i + JSON_BATCH) }, null, 2);
        yield `${i ? ',' : ''}\n${wrapped.slice(head, wrapped.length - tail)}`;
      }
      yield '\n  ]';
      continue;
    }
    const whole = JSON.stringify(v, null, 2) as string | undefined;
    if (whole === undefined) continue; // undefined and functions: left out, as JSON.stringify does
    yield `${property(key)}${indent(whole, '  ')}`;
  }
  yield first ? '}\n' : '\n}\n';
}

export function render(model: RunModel, ctx: RenderContext): RenderedRun {
  const v = { ...view(model), generatedAt: ctx.now.toISOString() };
  const report = new Map<string, string | Chunks>([
    ['INDEX.md', template(ctx, 'INDEX.md.hbs', false)(v)],
    ['index.html', template(ctx, 'index.html.hbs', true)(v)],
    ['summary.txt', summaryTxt(model)],
    ['coverage/index.html', template(ctx, 'coverage.html.hbs', true)(v)],
    ['api.log', logFile(model, 'api')],
    ['e2e.log', logFile(model, 'e2e')],
    // The largest file by far (~1.9 KB a check; 2,000 checks held it and its bytes as ~11 MB at
    // the run's peak): written check by check (BENCHMARKS.md, section 11).
    ['report.json', () => prettyJsonChunks({ ...model, generatedAt: v.generatedAt }, 'checks')],
    ['status.env', statusEnv(model)],
  ]);
  return {
    report,
    screenshots: new Map([['report.json', screenshotReport(model)]]),
    historyLine: JSON.stringify(historyEntry(model)) + '\n',
    deploymentBlock: deploymentBlock(model, ctx.now),
    stepSummary: stepSummary(model),
  };
}
