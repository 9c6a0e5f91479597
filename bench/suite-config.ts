// The measured tree's own playwright.config.ts, unchanged but for one thing: the bench timing
// reporter goes first, so its onEnd marks the start of report writing (Playwright awaits reporters' onEnd
// in order). The config lives in bench/, so the paths Playwright resolves against the config's
// folder are made absolute against the repository.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PlaywrightTestConfig, ReporterDescription } from '@playwright/test';

// BENCH_REPO names the measured tree when this file is a copy the compare section placed in an
// older tree that lacks it (bench/compare-worktree.ts); otherwise the tree is this file's parent.
const repo = process.env.BENCH_REPO ?? fileURLToPath(new URL('..', import.meta.url));
const base = (
  (await import(pathToFileURL(path.join(repo, 'playwright.config.ts')).href)) as {
    default: PlaywrightTestConfig;
  }
).default;
const abs = (p: string) => (path.isAbsolute(p) ? p : path.resolve(repo, p));
const absList = (v: string | string[] | undefined) =>
  v === undefined ? undefined : Array.isArray(v) ? v.map(abs) : abs(v);

function reporters(r: PlaywrightTestConfig['reporter']): ReporterDescription[] {
  const list: ReporterDescription[] =
    r === undefined ? [['list']] : typeof r === 'string' ? [[r]] : (r as ReporterDescription[]);
  // Built-in reporters have bare names; a custom one is a path relative to the config.
  return list.map(
    ([name, options]) => [name.startsWith('.') ? abs(name) : name, options] as ReporterDescription,
  );
}

type WebServer = NonNullable<PlaywrightTestConfig['webServer']>;
const webServers = (w: WebServer | undefined) => {
  if (w === undefined) return undefined;
  const one = (s: Exclude<WebServer, unknown[]>) => ({ ...s, cwd: abs(s.cwd ?? '.') });
  return Array.isArray(w) ? w.map(one) : one(w as Exclude<WebServer, unknown[]>);
};

const config: PlaywrightTestConfig = {
  ...base,
  testDir: abs(base.testDir ?? '.'),
  outputDir: abs(base.outputDir ?? 'test-results'),
  globalSetup: absList(base.globalSetup),
  globalTeardown: absList(base.globalTeardown),
  reporter: [[fileURLToPath(new URL('./timing-reporter.ts', import.meta.url))], ...reporters(base.reporter)],
  webServer: webServers(base.webServer) as PlaywrightTestConfig['webServer'],
  projects: base.projects?.map((p) => ({
    ...p,
    ...(p.testDir ? { testDir: abs(p.testDir) } : {}),
    ...(p.outputDir ? { outputDir: abs(p.outputDir) } : {}),
  })),
};

export default config;
