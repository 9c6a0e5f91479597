// scripts/selftest.ts (`npm test`): which files it finds, how it reads Node's summary, and that a
// failing test makes the whole command fail with the closing `selftest: N passed, M failed` line.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTestFiles, parseRunnerSummary, scheduleOrder } from '../scripts/selftest.ts';
import { alive } from '../scripts/setup/probe.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'phasegate-runner-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('pure parts', () => {
  test('finds every *.test.ts below selftest/, nested too, and nothing else', () => {
    const root = path.join(tmp, 'tree');
    for (const f of [
      'selftest/a.test.ts',
      'selftest/deep/b.test.ts',
      'selftest/helpers/c.ts',
      'selftest/d.spec.ts',
    ]) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      writeFileSync(path.join(root, f), '');
    }
    assert.deepEqual(findTestFiles(root), [
      path.join('selftest', 'a.test.ts'),
      path.join('selftest', 'deep', 'b.test.ts'),
    ]);
    assert.ok(findTestFiles(REPO).includes(path.join('selftest', 'selftest-runner.test.ts')));
  });

  test("reads the spec reporter's closing counts, colours or not", () => {
    const out = [
      '✔ a (1ms)',
      '\u001b[34mℹ tests 5\u001b[39m',
      '\u001b[34mℹ pass 3\u001b[39m',
      '\u001b[34mℹ fail 1\u001b[39m',
      'ℹ cancelled 1',
      'ℹ skipped 0',
    ].join('\n');
    assert.deepEqual(parseRunnerSummary(out), { pass: 3, fail: 1, cancelled: 1, complete: true });
  });

  test('starts the slowest files first; files never timed before them all', () => {
    assert.deepEqual(scheduleOrder(['a', 'b', 'c', 'new'], { a: 5, b: 90, c: 30 }), ['new', 'b', 'c', 'a']);
  });

  test('a runner that died before its summary is not complete', () => {
    assert.equal(parseRunnerSummary('✔ a (1ms)\nSegmentation fault').complete, false);
    assert.equal(parseRunnerSummary('').complete, false);
  });
});

/** Runs `npm test`'s script on `args`; resolves with its exit code and output. */
async function runRunner(args: string[]): Promise<{ code: number | null; out: string }> {
  // The outer npm test type-checks the project once; these runs are about the runner.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/selftest.ts', '--no-typecheck', ...args],
    {
      cwd: REPO,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm test did not finish within 3 minutes:\n${out}`));
    }, 180_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out };
}

/** Writes a test file into the temp folder; returns its path. */
function testFile(name: string, lines: string[]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, [...lines, ''].join('\n'));
  return file;
}

describe('npm test -- <files>', { concurrency: true }, () => {
  const sample = testFile('a-sample.test.ts', [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "test('holds', () => assert.equal(1 + 1, 2));",
    "test('breaks', () => assert.equal(1 + 1, 3));",
  ]);
  // A file that leaves a process behind, as a file killed on its timeout leaves its sandbox.
  const pidFile = path.join(tmp, 'orphan.pid');
  const orphan = testFile('b-orphan.test.ts', [
    "import { spawn } from 'node:child_process';",
    "import { writeFileSync } from 'node:fs';",
    "import { test } from 'node:test';",
    "test('leaves a child behind', () => {",
    "  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });",
    '  c.unref();',
    `  writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));`,
    '});',
  ]);
  // A file that never ends: one test passes, the next waits forever.
  const hang = testFile('c-hang.test.ts', [
    "import { test } from 'node:test';",
    "test('passes before the hang', () => console.log('hang-file-got-this-far'));",
    "test('never ends', () => new Promise(() => setInterval(() => {}, 1000)));",
  ]);
  const never = testFile('d-never.test.ts', [
    "import { test } from 'node:test';",
    "test('would pass', () => {});",
  ]);
  // A file whose child process spends two seconds of CPU (as a file's suite runs do).
  const busy = testFile('e-busy.test.ts', [
    "import { execFileSync } from 'node:child_process';",
    "import { test } from 'node:test';",
    "test('keeps a child busy', () => {",
    "  execFileSync(process.execPath, ['-e', 'const end = process.cpuUsage().user + 2e6; while (process.cpuUsage().user < end);']);",
    '});',
  ]);

  test('a failing test fails the command and is counted in the closing line', async () => {
    const { code, out } = await runRunner(['--concurrency', '1', sample, orphan, busy]);
    assert.notEqual(code, 0, out);
    const last = out.trimEnd().split('\n').at(-1) ?? '';
    // 'holds', 'leaves a child behind' and 'keeps a child busy' passed; 'breaks' failed.
    assert.equal(last, 'selftest: 3 passed, 1 failed', out);
    assert.match(out, /✖ breaks/);
    // Each file's output is one block under its own header, with its wall time and the CPU of
    // its processes: the busy file's child spends 2 s, the rest of the two files costs alike.
    assert.match(out, /── \S*a-sample\.test\.ts: 1 passed, 1 failed in [\d.]+ s \([\d.]+ s CPU\)/);
    const cpuOf = (name: string) =>
      Number(new RegExp(`── \\S*${name}: .* \\(([\\d.]+) s CPU\\)`).exec(out)?.[1]);
    // One file at a time: two files ending in the same moment may have their CPU counted together.
    assert.ok(cpuOf('e-busy\\.test\\.ts') - cpuOf('a-sample\\.test\\.ts') >= 1.2, out);
    assert.match(out, /selftest: time per file/);
    // The left-behind process was stopped with the runner.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie nobody reaped yet (a container's init may not): setup's alive() says so.
    const lives = alive(pid);
    if (lives) process.kill(pid, 'SIGKILL');
    assert.equal(lives, false, `process ${pid}, left by a test file, outlived npm test`);
  });

  test('a file at its own limit is stopped, its output shown, and never counted as a test', async () => {
    // Long enough for a file to start and print under a busy day's load (4 s was not: node and
    // tsx alone took longer at a load of 11 on 2 cores).
    const { code, out } = await runRunner(['--concurrency', '2', '--file-limit', '10', hang, never]);
    assert.notEqual(code, 0, out);
    assert.match(out, /c-hang\.test\.ts: still running at its limit of 10\.0 s; stopped after [\d.]+ s/);
    // What it printed before it was stopped.
    assert.match(out, /hang-file-got-this-far/);
    const last = out.trimEnd().split('\n').at(-1) ?? '';
    // 'would pass' only: the stopped file's passed test is not counted.
    assert.equal(
      last,
      'selftest: incomplete: 1 file(s) not finished; 1 passed, 0 failed in the files that finished',
      out,
    );
    assert.doesNotMatch(out, /^selftest: \d+ passed, \d+ failed$/m);
  });

  test("at the run's limit it names the files still running and those not started", async () => {
    const { code, out } = await runRunner(['--concurrency', '1', '--run-limit', '10', hang, never]);
    assert.notEqual(code, 0, out);
    assert.match(
      out,
      /the run reached its limit of 10\.0 s; still running: \S*c-hang\.test\.ts \([\d.]+ s\); not started: \S*d-never\.test\.ts/,
    );
    assert.match(out, /hang-file-got-this-far/);
    assert.match(out, /d-never\.test\.ts not started before the run's limit \(not counted\)/);
    const last = out.trimEnd().split('\n').at(-1) ?? '';
    assert.equal(
      last,
      'selftest: incomplete: 2 file(s) not finished; 0 passed, 0 failed in the files that finished',
      out,
    );
  });
});
