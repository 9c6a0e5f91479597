// A bench-only Playwright reporter: records when each stage of a run happens, so the harness can
// split a run's wall time into start-up, sandbox start, checks and report writing. Listed FIRST
// with `--reporter`, its onEnd marks the start of report writing and its onExit the end of every
// reporter's onEnd (Playwright awaits them in order). Never part of a deployment run.
import { writeFileSync } from 'node:fs';
import type { FullResult, Reporter, Suite, TestCase, TestResult, TestStep } from '@playwright/test/reporter';

export interface Timeline {
  /** Epoch ms. Reporter construction: the config is loaded. */
  configured: number;
  /** onBegin: plugins (the sandbox web server) are up and the test files are loaded. */
  begin: number;
  firstTestBegin: number | null;
  lastTestEnd: number | null;
  /** onEnd: workers and the web server are stopped; report writing starts. */
  end: number;
  /** onExit: every reporter's onEnd has returned. */
  exit: number;
  tests: number;
  /** Summed durations of fixture set-up steps, by fixture title (browser launch among them). */
  fixtureMs: Record<string, number>;
  /** The slowest tests, title and duration. */
  slowest: { title: string; ms: number }[];
}

export default class TimingReporter implements Reporter {
  private readonly t: Timeline = {
    configured: Date.now(),
    begin: 0,
    firstTestBegin: null,
    lastTestEnd: null,
    end: 0,
    exit: 0,
    tests: 0,
    fixtureMs: {},
    slowest: [],
  };
  private readonly durations: { title: string; ms: number }[] = [];

  printsToStdio(): boolean {
    return false;
  }

  onBegin(_config: unknown, _suite: Suite): void {
    this.t.begin = Date.now();
  }

  onTestBegin(_test: TestCase, _result: TestResult): void {
    this.t.firstTestBegin ??= Date.now();
  }

  onStepEnd(_test: TestCase, _result: TestResult, step: TestStep): void {
    if (step.category !== 'fixture') return;
    this.t.fixtureMs[step.title] = (this.t.fixtureMs[step.title] ?? 0) + step.duration;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    this.t.lastTestEnd = Date.now();
    this.t.tests++;
    this.durations.push({ title: test.title, ms: result.duration });
  }

  onEnd(_result: FullResult): void {
    this.t.end = Date.now();
  }

  async onExit(): Promise<void> {
    this.t.exit = Date.now();
    this.t.slowest = this.durations.sort((a, b) => b.ms - a.ms).slice(0, 5);
    const out = process.env.BENCH_TIMELINE_FILE;
    if (!out) {
      process.stderr.write('bench timing-reporter: BENCH_TIMELINE_FILE is not set; timeline not written\n');
      return;
    }
    writeFileSync(out, JSON.stringify(this.t));
  }
}
