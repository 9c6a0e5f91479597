// `npm test`: setup, then the type check, then every selftest/**/*.test.ts with Node's test
// runner, several files at a time (each file is its own process; they wait mostly on I/O and
// Chromium). `npm test -- selftest/x.test.ts` runs a subset. Ends with one plain line,
// `selftest: N passed, M failed` (tests, the type check counted as one), and a non-zero exit
// code on any failure.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { runSetup, SetupError } from './setup.ts';
import { phpNeedForTestFiles } from './setup/decide.ts';

const CONCURRENCY = 3;
// Per test (a file's top-level tests); a test file is meant to finish within ~4 minutes.
const TEST_TIMEOUT_MS = 9 * 60_000;
const TSC_TIMEOUT_MS = 2 * 60_000;

/** Every `*.test.ts` under `dir`, sorted, as paths relative to the project. */
export function findTestFiles(root: string, dir = 'selftest'): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.join(rel, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(child);
      else if (e.isFile() && e.name.endsWith('.test.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

export interface RunnerCounts {
  pass: number;
  fail: number;
  cancelled: number;
  /** The runner printed its summary (it did not crash before the end). */
  complete: boolean;
}

/** Reads the spec reporter's closing summary (`ℹ pass 12`, `ℹ fail 0`, ...). */
export function parseRunnerSummary(output: string): RunnerCounts {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const count = (name: string) => {
    const all = [...plain.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))];
    const last = all[all.length - 1];
    return last ? Number(last[1]) : undefined;
  };
  const pass = count('pass');
  const fail = count('fail');
  const cancelled = count('cancelled');
  return {
    pass: pass ?? 0,
    fail: fail ?? 0,
    cancelled: cancelled ?? 0,
    complete: pass !== undefined && fail !== undefined,
  };
}

/** Runs a command with inherited stdio-like streaming; resolves with its exit code and output. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const relay = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString('utf8');
      to.write(chunk);
    };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    const kill = (signal: NodeJS.Signals) => {
      // The whole group: the runner's file processes, and what they spawned.
      if (child.pid) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      }
    };
    const timer = setTimeout(() => {
      process.stderr.write(`selftest: ${command} still running after ${timeoutMs / 1000} s; stopping it\n`);
      kill('SIGKILL');
    }, timeoutMs);
    const onSignal = () => kill('SIGTERM');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    child.on('error', (err) => {
      output += err.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // What outlived its parent in the group (a sandbox of a test file the runner timed out and
      // killed, say) would hold ports and keep the machine busy: stop it with the runner.
      kill('SIGKILL');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve({ code: code ?? 1, output });
    });
  });
}

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true, options: {} });
  const root = process.cwd();
  const started = Date.now();
  const files = positionals.length ? positionals : findTestFiles(root);

  let overrides: Record<string, string> = {};
  try {
    const setup = await runSetup({ php: phpNeedForTestFiles(files) });
    overrides = { ...setup.overrides };
  } catch (err) {
    if (err instanceof SetupError) {
      console.error(pc.red(`selftest: setup cannot continue\n${err.message}`));
      console.log('selftest: 0 passed, 1 failed');
      return 1;
    }
    throw err;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
  // Set inside a test process: a runner started with it would talk to a parent that is not there.
  delete env.NODE_TEST_CONTEXT;

  let passed = 0;
  let failed = 0;

  console.log(pc.bold('\nselftest: tsc --noEmit -p .'));
  const tsc = await run('npx', ['--no-install', 'tsc', '--noEmit', '-p', '.'], env, TSC_TIMEOUT_MS);
  if (tsc.code === 0) {
    passed++;
    console.log(pc.green('selftest: type check clean'));
  } else {
    failed++;
    console.log(pc.red('selftest: type check failed (above)'));
  }

  if (files.length === 0) {
    console.log('selftest: no selftest/**/*.test.ts files');
  } else {
    console.log(pc.bold(`\nselftest: ${files.length} test file(s), ${CONCURRENCY} at a time`));
    const tests = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${CONCURRENCY}`,
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        ...files,
      ],
      env,
      // A file's tests run one after another within that file's own timeouts; this only catches a runner that hangs.
      Math.max(20 * 60_000, TEST_TIMEOUT_MS * 2),
    );
    const counts = parseRunnerSummary(tests.output);
    passed += counts.pass;
    failed += counts.fail + counts.cancelled;
    if (!counts.complete || (tests.code !== 0 && counts.fail + counts.cancelled === 0)) {
      // The runner died or failed outside any test (a file that does not load, say).
      failed++;
      console.log(pc.red(`selftest: the test runner exited with code ${tests.code} without a clean summary`));
    }
  }
  // The whole of npm test should stay well under 15 minutes on 2 cores: make a slow turn visible.
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`selftest: took ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`);
  console.log(`selftest: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
