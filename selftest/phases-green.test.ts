// Against the healthy sandbox, addressed as a real deployment (TARGET_URL and friends: what an
// `.env` edit gives), every phase is green: no failure, no warning, no skip. One full run (all
// checks carry @phase8) gives every check's colour; `--list --grep "@phaseN\b"` says which of
// them each phase's run selects, so each phase's verdict is read without eight full runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { runAgainst, targetEnv, type CheckOutcome, type PhaseRun } from './helpers/run-suite.ts';
import { LOAD_SENSITIVE } from './helpers/fault-matrix.ts';
import { baseEnv, parseStatusEnv, REPO, reportDirs } from './helpers/robustness-run.ts';

const PHASES = [1, 2, 3, 4, 5, 6, 7, 8];

/** Green, or a wall-clock check turned yellow by a loaded machine (npm test runs files at once). */
function greenEnough(c: CheckOutcome): boolean {
  return c.colour === 'green' || (c.colour === 'yellow' && LOAD_SENSITIVE.includes(c.title));
}

async function listTitles(sb: TestSandbox, phase: number): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(REPO, 'node_modules', '@playwright', 'test', 'cli.js'),
      'test',
      '--list',
      '--reporter=json',
      '--grep',
      `@phase${phase}\\b`,
    ],
    { cwd: REPO, env: { ...baseEnv(), ...targetEnv(sb) }, maxBuffer: 64 << 20, timeout: 120_000 },
  );
  const titles: string[] = [];
  type S = { specs?: { title: string }[]; suites?: S[] };
  const walk = (s: S) => {
    for (const spec of s.specs ?? []) titles.push(spec.title);
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of (JSON.parse(stdout) as { suites?: S[] }).suites ?? []) walk(s);
  return [...new Set(titles)];
}

describe('every phase is green against the healthy sandbox as a real target', () => {
  let sb: TestSandbox;
  let full: PhaseRun;
  let selected: Map<number, string[]>;

  before(async () => {
    sb = await startTestSandbox();
    const lists = Promise.all(PHASES.map(async (p) => [p, await listTitles(sb, p)] as const));
    full = await runAgainst(sb, { grep: '@phase8\\b', deadlineMs: 240_000 });
    selected = new Map(await lists);
  });

  after(async () => {
    await sb?.stop();
  });

  test('the full run (@phase8) passes: exit 0, every check green', () => {
    assert.equal(full.run.hung, false, full.describe());
    assert.ok(full.checks.length >= 30, `only ${full.checks.length} checks ran\n${full.describe()}`);
    const notGreen = full.checks.filter((c) => !greenEnough(c));
    assert.deepEqual(
      notGreen.map((c) => `${c.colour} ${c.title}: ${c.text}`),
      [],
      full.describe(),
    );
    assert.equal(full.run.exitCode, 0, full.describe());
  });

  for (const phase of PHASES) {
    test(`phase ${phase}: every check --grep "@phase${phase}\\b" selects ran and is green`, () => {
      const titles = selected.get(phase) ?? [];
      assert.ok(titles.length > 0, `--grep @phase${phase} selects nothing`);
      for (const t of titles) {
        const c = full.byTitle.get(t);
        assert.ok(c, `${t} (selected for phase ${phase}) did not run`);
        assert.ok(greenEnough(c), `phase ${phase}: ${t} is ${c.colour}: ${c.text}`);
      }
      // Later phases only add checks (DESIGN.md: a check holds in every later phase).
      if (phase > 1)
        for (const t of selected.get(phase - 1) ?? [])
          assert.ok(titles.includes(t), `${t} dropped at phase ${phase}`);
    });
  }

  test("the phase reporter's verdict is PASS / PROCEED", (t) => {
    const dirs = reportDirs(full.run.storageDir);
    if (dirs.length === 0) return t.skip('the phase reporter wrote no report (reporters/ not wired)');
    const status = parseStatusEnv(
      readFileSync(path.join(dirs[dirs.length - 1] as string, 'status.env'), 'utf8'),
    );
    assert.equal(status.FAILED, '0');
    const warned = full.checks.some((c) => c.colour === 'yellow');
    assert.equal(status.STATUS, warned ? 'WARN' : 'PASS');
    assert.equal(status.RECOMMENDATION, warned ? 'MONITOR' : 'PROCEED');
  });
});
