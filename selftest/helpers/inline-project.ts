// Inline Playwright projects for the reporter's tests (STYLE.md "Testing the reporter"): a tiny
// config + specs written into a unique folder under the repo's .tmp/ (so @playwright/test
// resolves from the repo), run by the real CLI with a clean environment, output kept for the
// failure message only.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPORTER = path.join(REPO, 'reporters', 'reporter.ts');
const PLAYWRIGHT_CLI = path.join(REPO, 'node_modules', '@playwright', 'test', 'cli.js');

export interface RunResult {
  code: number;
  output: string;
}

export interface InlineProject {
  dir: string;
  storage: string;
  write(files: Record<string, string>): void;
  /** `playwright test <args>` in the project folder. */
  test(args?: string[], env?: Record<string, string>): Promise<RunResult>;
  /** `playwright merge-reports <args>`. */
  mergeReports(args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** Any command with the same clean environment. */
  exec(command: string, args: string[], env?: Record<string, string>): Promise<RunResult>;
  reportDirs(): string[];
  screenshotDirs(): string[];
  cleanup(): void;
}

/** The import path of a repo file from a project's folder (`.tmp/<name>/`). */
export function fromProject(repoPath: string): string {
  return `../../${repoPath}`;
}

/** A config that uses our reporter (and `extra` config fields, as TS source). */
export function configSource(extra = '', reporters = `[[${JSON.stringify(REPORTER)}]]`): string {
  return `import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  reporter: ${reporters},
  timeout: 15000,
  workers: 2,
  ${extra}
});
`;
}

export function createProject(prefix: string): InlineProject {
  const dir = path.join(REPO, '.tmp', `${prefix}-${randomBytes(5).toString('hex')}`);
  const storage = path.join(dir, 'storage');
  mkdirSync(dir, { recursive: true });
  const baseEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    STORAGE_DIR: storage,
    // A deployment-ish name for the sign-off lines, and no TTY colours.
    DEPLOYED_BY: 'selftest',
    FORCE_COLOR: '0',
    ...env,
  });
  const exec = (command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 240_000) =>
    new Promise<RunResult>((resolve, reject) => {
      const child = spawn(command, args, { cwd: dir, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, output });
      });
    });
  const list = (sub: string) => {
    const root = path.join(storage, sub);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((n) => statSync(path.join(root, n)).isDirectory())
      .sort()
      .map((n) => path.join(root, n));
  };
  return {
    dir,
    storage,
    write(files) {
      for (const [rel, content] of Object.entries(files)) {
        const file = path.join(dir, rel);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    },
    // Each run its own output folder: Playwright empties it at start, and runs of one project
    // may overlap (the sign-off test runs eight phases at once).
    test: (args = [], env = {}) =>
      exec(
        process.execPath,
        [
          PLAYWRIGHT_CLI,
          'test',
          ...(args.includes('--output')
            ? []
            : ['--output', path.join(dir, 'test-results', randomBytes(4).toString('hex'))]),
          ...args,
        ],
        env,
      ),
    mergeReports: (args, env = {}) => exec(process.execPath, [PLAYWRIGHT_CLI, 'merge-reports', ...args], env),
    exec,
    reportDirs: () => list('reports'),
    screenshotDirs: () => list('screenshots'),
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir`, relative, sorted. */
export function fileList(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** status.env as bash sees it after `source`: the proof that it is safe to source. */
export function sourceStatusEnv(file: string): Record<string, string> {
  const keys = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^([A-Z_]+)=/.exec(l)?.[1])
    .filter((k): k is string => !!k);
  const script = `set -eu; source "$1"; ${keys.map((k) => `printf '%s=%s\\0' ${k} "$${k}"`).join('; ')}`;
  const out = execFileSync('bash', ['-c', script, 'bash', file], {
    env: { PATH: process.env.PATH },
  }).toString();
  const values: Record<string, string> = {};
  for (const pair of out.split('\0').filter(Boolean)) {
    const i = pair.indexOf('=');
    values[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return values;
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

/** Fails with the spawned process's output, which is printed only then. */
export function expectCode(r: RunResult, code: number, what: string): void {
  if (r.code !== code)
    throw new Error(`${what}: exit code ${r.code}, expected ${code}\n--- output ---\n${r.output}`);
}
