// The earlier commit the compare section measures against: a detached git worktree under
// .tmp/bench-worktrees/<short-sha>, with node_modules and the harness files it lacks, removed at
// the end (also on Ctrl-C or an error: the harness exits through process.exit).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HARNESS_DIR } from './suite-runs.ts';

export class BadRefError extends Error {}

const git = (repo: string, args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The full and short sha of a commit-ish, or BadRefError naming it. */
export function resolveRef(repo: string, ref: string): { sha: string; short: string } {
  const r = spawnSync(
    'git',
    ['-C', repo, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    {
      encoding: 'utf8',
    },
  );
  const sha = r.stdout.trim();
  if (r.status !== 0 || !/^[0-9a-f]{40}$/.test(sha))
    throw new BadRefError(`"${ref}" is not a commit in ${repo}`);
  return { sha, short: git(repo, ['rev-parse', '--short', sha]) };
}

export interface BaselineTree {
  dir: string;
  sha: string;
  short: string;
  /** How it got its node_modules. */
  nodeModules: 'symlink' | 'npm ci';
  /** Harness files copied in because the commit lacks them. */
  copied: string[];
  remove(): void;
}

/** The harness files a suite run needs from the measured tree (bench/suite-runs.ts). */
const HARNESS_FILES = ['suite-config.ts', 'timing-reporter.ts'];
const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * Checks out `sha` detached under `<repo>/.tmp/bench-worktrees/<short>` (reused when already
 * there at that sha) and readies it to be measured. remove() is idempotent and also runs when
 * the process exits before it was called.
 */
export function createBaselineTree(
  repo: string,
  ref: { sha: string; short: string },
  log: (s: string) => void,
): BaselineTree {
  const dir = path.join(repo, '.tmp/bench-worktrees', ref.short);
  const atSha = existsSync(path.join(dir, '.git')) && headOf(dir) === ref.sha;
  if (!atSha) {
    if (existsSync(dir)) removeWorktree(repo, dir);
    mkdirSync(path.dirname(dir), { recursive: true });
    git(repo, ['worktree', 'add', '--detach', '--force', dir, ref.sha]);
    log(`compare: worktree of ${ref.short} at ${path.relative(repo, dir)}`);
  } else log(`compare: reusing the worktree of ${ref.short} at ${path.relative(repo, dir)}`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    removeWorktree(repo, dir);
  };
  process.on('exit', remove);
  try {
    const nodeModules = provideNodeModules(repo, dir, log);
    const copied = HARNESS_FILES.some((f) => !existsSync(path.join(dir, 'bench', f))) ? copyHarness(dir) : [];
    if (copied.length)
      log(`compare: ${ref.short} lacks the bench harness; copied ${copied.join(', ')} into ${HARNESS_DIR}`);
    return { dir, ...ref, nodeModules, copied, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

function headOf(dir: string): string | null {
  try {
    return git(dir, ['rev-parse', 'HEAD']);
  } catch {
    return null;
  }
}

/** A symlink to this repo's node_modules when both lock files are byte-identical, else `npm ci`. */
function provideNodeModules(
  repo: string,
  dir: string,
  log: (s: string) => void,
): BaselineTree['nodeModules'] {
  const link = path.join(dir, 'node_modules');
  const same = readFileSync(path.join(repo, 'package-lock.json')).equals(
    readFileSync(path.join(dir, 'package-lock.json')),
  );
  if (same) {
    if (!isSymlink(link)) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(path.join(repo, 'node_modules'), link, 'dir');
    }
    return 'symlink';
  }
  if (isSymlink(link)) unlinkSync(link);
  log(`compare: package-lock.json differs from this tree's; npm ci in ${path.relative(repo, dir)} (minutes)`);
  const r = spawnSync('npm', ['ci'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0)
    throw new Error(`npm ci in ${dir} exited ${r.status}:\n${(r.stderr ?? '').slice(-1500)}`);
  return 'npm ci';
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function copyHarness(dir: string): string[] {
  const to = path.join(dir, HARNESS_DIR);
  mkdirSync(to, { recursive: true });
  for (const f of HARNESS_FILES) copyFileSync(path.join(HERE, f), path.join(to, f));
  return HARNESS_FILES.map((f) => `bench/${f}`);
}

/** Synchronous, so that it can run in an exit handler. */
function removeWorktree(repo: string, dir: string): void {
  // Unlinked first: the link must never be followed into this repo's node_modules.
  const link = path.join(dir, 'node_modules');
  if (isSymlink(link)) unlinkSync(link);
  spawnSync('git', ['-C', repo, 'worktree', 'remove', '--force', '--force', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  spawnSync('git', ['-C', repo, 'worktree', 'prune'], { stdio: 'ignore' });
}
