// The phase reporter (DESIGN.md "The report tree"). Thin on purpose: it copies plain data out of
// Playwright's events, then hands over to model.ts (decide), render.ts (format), write.ts
// (files) and notify.ts (messages). It works the same in `merge-reports`, where only tags and
// metadata survive, so it never looks at --grep or argv.
import os from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import type {
  FullConfig,
  FullResult,
  Reporter,
  Suite,
  TestCase,
  TestError,
  TestResult,
  TestStep,
} from '@playwright/test/reporter';
import pc from 'picocolors';
import { START_GATE_OPENED_ENV } from '../fixtures/start-gate.ts';
import { env, redact, type Env } from '../config/env.ts';
import { phases } from '../phases/catalogue.ts';
import { causeOf, crashCause as crashCauseText, preflightLinesOf, screenshotsOf } from '../results/index.ts';
import {
  buildModel,
  planScreenshots,
  resolvePhase,
  type RunSnapshot,
  type StepSnap,
  type TestSnap,
} from './model.ts';
import { runsOfPhase } from './history.ts';
import { hasChannel, notifySettings, runMessage, sendAll, shouldNotify } from './notify.ts';
import { consoleLines, render } from './render.ts';
import {
  createRunDirs,
  EarlyAnalyses,
  gatherEvidence,
  loadTemplates,
  playwrightOwnedFiles,
  readHistory,
  rewriteReportPages,
  sweepStaleTemps,
  templateSpecCache,
  writeRun,
} from './write.ts';

const TREND_LENGTH = 10;

interface PhasegateMetadata {
  deploymentPhase: number | null;
  targetVersion: string | null;
}

function phasegateMetadata(metadata: Record<string, unknown> | undefined): PhasegateMetadata {
  const m = metadata?.phasegate;
  const o = typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : {};
  return {
    deploymentPhase: typeof o.deploymentPhase === 'number' ? o.deploymentPhase : null,
    targetVersion: typeof o.targetVersion === 'string' ? o.targetVersion : null,
  };
}

function errorText(e: TestError): string {
  return stripVTControlCharacters(e.stack ?? e.message ?? e.value ?? 'unknown error');
}

export default class PhaseReporter implements Reporter {
  private settings: Env | undefined;
  private settingsError: string | undefined;
  private secrets: string[] = [];
  private readonly tests = new Map<string, TestSnap>();
  /** Every test known at onBegin: those that never report (a run stopped early) are listed as
   *  skipped. Playwright's own objects, snapshotted only if they never report. */
  private planned: TestCase[] = [];
  private readonly globalErrors: string[] = [];
  private readonly preflight = new Set<string>();
  private meta: PhasegateMetadata = { deploymentPhase: null, targetVersion: null };
  private listOnly = false;
  /** Where this run's attachments by path are Playwright's own files (write.ts playwrightOwnedFiles). */
  private linkable: (file: string) => boolean = () => false;
  /** Screenshots the checks attached without facts, measured as the checks end. */
  private readonly analyses = new EarlyAnalyses();

  constructor() {
    try {
      this.settings = env();
      this.secrets = this.settings.secrets;
    } catch (err) {
      this.settingsError = (err as Error).message;
    }
  }

  private r(text: string): string {
    return redact(text, this.secrets);
  }

  private noteMetadata(m: PhasegateMetadata): void {
    this.meta.deploymentPhase ??= m.deploymentPhase;
    this.meta.targetVersion ??= m.targetVersion;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    // `--list` runs no check: a report (and a FAILED sign-off block) would be a lie.
    this.listOnly = (config.argv ?? []).includes('--list');
    this.noteMetadata(phasegateMetadata(config.metadata));
    for (const l of preflightLinesOf(config.metadata)) this.preflight.add(this.r(l));
    this.planned = suite.allTests();
    this.linkable = playwrightOwnedFiles(config.projects.map((p) => p.outputDir));
  }

  onError(error: TestError): void {
    this.globalErrors.push(this.r(errorText(error)));
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const metadata = test.parent.project()?.metadata;
    this.noteMetadata(phasegateMetadata(metadata));
    for (const l of preflightLinesOf(metadata)) this.preflight.add(this.r(l));
    const previous = this.tests.get(test.id);
    const snap = this.snap(test, result);
    snap.attempts = [...(previous?.attempts ?? []), ...snap.attempts];
    this.tests.set(test.id, snap);
    for (const shot of screenshotsOf(snap)) {
      const a = snap.attachments[shot.attachmentIndex];
      if (a && (!shot.meta?.facts || shot.thumbnailIndex === null)) this.analyses.add(a);
    }
  }

  private snap(test: TestCase, result: TestResult | undefined): TestSnap {
    const titlePath = test.titlePath();
    const errors = (result?.errors ?? []).map((e) => this.r(errorText(e)));
    const steps = (result?.steps ?? []).map((s) => this.step(s));
    const first = result?.steps[0];
    let crashCause: string | undefined;
    // An error inside the first "Before Hooks" step arose in a fixture or a before-hook: the
    // check body never got to decide, so the check is shown as crashed (with that cause).
    if (first && first.category === 'hook' && first.error) {
      const deepest = deepestError(first);
      crashCause = this.r(crashCauseText(deepest.title, errorText(deepest.error ?? first.error)));
    }
    const text = (chunks: (string | Buffer)[]) => this.r(chunks.map((c) => c.toString()).join(''));
    return {
      id: test.id,
      title: this.r(test.title),
      file: titlePath[2] ?? test.location.file,
      line: test.location.line,
      column: test.location.column,
      project: test.parent.project()?.name ?? '',
      tags: [...test.tags],
      outcome: result ? test.outcome() : 'skipped',
      annotations: (result?.annotations ?? test.annotations).map((a) => ({
        type: a.type,
        description: a.description === undefined ? undefined : this.r(a.description),
      })),
      status: result?.status ?? 'skipped',
      durationMs: result?.duration ?? 0,
      errors,
      crashCause,
      steps,
      stdout: text(result?.stdout ?? []),
      stderr: text(result?.stderr ?? []),
      attachments: (result?.attachments ?? []).map((a) => ({
        name: a.name,
        contentType: a.contentType,
        path: a.path,
        body: a.body,
      })),
      attempts: result
        ? [{ retry: result.retry, status: result.status, durationMs: result.duration, errors }]
        : [],
    };
  }

  private step(s: TestStep): StepSnap {
    return {
      title: this.r(s.title),
      category: s.category,
      durationMs: s.duration,
      error: s.error ? this.r(causeOf(errorText(s.error))) : undefined,
      steps: s.steps.map((c) => this.step(c)),
    };
  }

  async onEnd(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    if (this.listOnly) return undefined;
    try {
      return await this.publish(result);
    } catch (err) {
      // Playwright swallows reporter errors: say it loudly and fail the run visibly.
      const message = this.r(err instanceof Error ? (err.stack ?? err.message) : String(err));
      console.error(pc.red(`\nphasegate reporter: FAILED to write the phase report\n${message}\n`));
      process.exitCode = 1;
      return { status: 'failed' };
    }
  }

  private async publish(result: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    if (!this.settings) throw new Error(this.settingsError ?? 'phasegate settings could not be loaded');
    const s = this.settings;
    const globalErrors = [...this.globalErrors];
    if (result.status === 'interrupted' || result.status === 'timedout') {
      globalErrors.push(
        `the run ended early (${result.status}): checks that did not finish are listed as skipped`,
      );
    }
    const tests = [...this.tests.values()];
    for (const test of this.planned) {
      if (!this.tests.has(test.id)) {
        const t = this.snap(test, undefined);
        tests.push({
          ...t,
          annotations: [
            ...t.annotations,
            { type: 'skip', description: 'did not run (the run stopped before it)' },
          ],
        });
      }
    }
    // A run started ahead of its turn (npm run demo) is timed from when its turn came.
    const opened = Number(process.env[START_GATE_OPENED_ENV]);
    const waited = opened > result.startTime.getTime() ? opened - result.startTime.getTime() : 0;
    const started = new Date(result.startTime.getTime() + waited);
    const durationMs = Math.max(0, result.duration - waited);
    const snapshot: RunSnapshot = {
      startedAt: started.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      durationMs: Math.round(durationMs),
      runStatus: result.status,
      metadataPhase: this.meta.deploymentPhase,
      targetVersion: this.meta.targetVersion,
      globalErrors,
      preflight: [...this.preflight],
      tests,
    };
    // snapshot → model (the phase decided once, here) → render → write; then the messages,
    // which link to a report that is on disk by the time they arrive.
    const phase = resolvePhase(snapshot.tests, s.DEPLOYMENT_PHASE ?? null, snapshot.metadataPhase);
    sweepStaleTemps(s.STORAGE_DIR);
    const dirs = createRunDirs(s.STORAGE_DIR, phase.phase, snapshot.startedAt);
    const plans = planScreenshots(snapshot, phase.phase, phases);
    const evidence = await gatherEvidence(
      snapshot,
      plans,
      dirs.screenshotDir,
      this.secrets,
      this.analyses.measure,
      this.linkable,
    );
    const templates = loadTemplates();
    const specs = templateSpecCache();
    const history = runsOfPhase(readHistory(s.STORAGE_DIR), phase.phase);
    const model = buildModel(snapshot, {
      catalogue: phases,
      phase,
      targetVersion: s.TARGET_VERSION ?? null,
      deployedBy: s.DEPLOYED_BY ?? os.userInfo().username,
      ...dirs,
      evidence,
      history,
      trendLength: TREND_LENGTH,
      notifications: [],
    });
    const now = new Date();
    const writeOptions = {
      storageDir: s.STORAGE_DIR,
      secrets: this.secrets,
      stepSummaryFile: s.GITHUB_STEP_SUMMARY,
    };
    writeRun(model, render(model, { templates, now, specs }), writeOptions);
    let told = model;
    const channels = notifySettings(s);
    // With no channel there is nothing to send and nothing to add to the pages: composing the
    // message (handlebars' compiler) and rendering the pages again cost ~0.1 s of a verdict.
    if (shouldNotify(model, s.NOTIFY_ON) && hasChannel(channels)) {
      const notifications = await sendAll(runMessage(model, templates, s.REPORT_LINK_BASE), channels);
      told = { ...model, notifications };
      // The pages that list the messages' outcomes are rendered again with them.
      rewriteReportPages(told, render(told, { templates, now, specs }), writeOptions);
    }
    this.print(told.status, consoleLines(told));
    return told.status === 'FAIL' || told.status === 'ERROR' ? { status: 'failed' } : undefined;
  }

  private print(status: string, lines: string[]): void {
    const colour = process.stdout.isTTY
      ? status === 'FAIL' || status === 'ERROR'
        ? pc.red
        : status === 'WARN'
          ? pc.yellow
          : pc.green
      : (t: string) => t;
    process.stdout.write(
      '\n' +
        lines
          .map((l) => this.r(l))
          .map((l, i) => (i < 4 ? colour(l) : l))
          .join('\n') +
        '\n',
    );
  }
}

function deepestError(step: TestStep): TestStep {
  for (const child of step.steps) if (child.error) return deepestError(child);
  return step;
}
