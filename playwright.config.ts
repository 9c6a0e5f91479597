import { availableParallelism } from 'node:os';
import { defineConfig, type ReporterDescription } from '@playwright/test';
import { chooseChromium, HEADED_ENV, headedRun } from './config/browser.ts';
import { envOrExit } from './config/env.ts';
import {
  SANDBOX_COMMAND,
  sandboxPublicEnv,
  sandboxReadyUrl,
  sandboxSecretEnv,
} from './config/sandbox-server.ts';

// Where a run starts, the files it reads on this machine are checked too (APP_LOG_PATH).
const env = envOrExit({ runFiles: true });
// A headed run (--headed, --debug, --ui) needs a browser that can show a window; the runner tells
// its workers, whose command line has no flags.
const headed = headedRun();
process.env[HEADED_ENV] = headed ? '1' : '0';
const browser = chooseChromium(env.CHROMIUM_PATH, { headed });
const cores = availableParallelism();
const e2eWorkers = env.E2E_WORKERS || Math.max(1, cores - 1);

// The sandbox's secret-bearing settings reach it through the environment it inherits (Playwright
// starts the webServer with process.env underneath webServer.env), never through webServer.env:
// Playwright serialises the config, webServer included, into its JSON and blob reports.
if (env.sandbox) Object.assign(process.env, sandboxSecretEnv(env));

// The phase reporter writes storage/reports/phase_X_…/ (DESIGN.md "The report tree"). CI shards
// run with `--reporter=blob` instead, and merge.config.ts renders the tree from their blobs.
const reporters: ReporterDescription[] = [
  [env.CI ? 'dot' : 'list'],
  ['html', { open: 'never' }],
  ['./reporters/reporter.ts'],
];

export default defineConfig({
  testDir: './tests',
  // The run id of the synthetic records, and the sweep of leftovers of killed runs.
  globalSetup: './fixtures/global-setup.ts',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: true,
  forbidOnly: env.CI,
  retries: 0,
  // One @api worker and the browser workers (E2E_WORKERS, else one per core but one), as the projects say below.
  workers: env.API_WORKERS + e2eWorkers,
  reporter: reporters,
  // Reaches the reporter in a merge of shards too (ENVIRONMENT.md).
  metadata: {
    phasegate: {
      deploymentPhase: env.DEPLOYMENT_PHASE ?? null,
      targetVersion: env.TARGET_VERSION ?? null,
      sandbox: env.sandbox,
    },
  },
  use: {
    baseURL: env.targetUrl,
    // A failing check keeps its trace (the report links it): every action with the page's DOM
    // snapshot, which the trace viewer renders. Without the screencast filmstrip (the check's own
    // screenshots are in the report): a full run's tracing cost ~1.1 s of CPU with it, of ~12 s,
    // on 2 cores (BENCHMARKS.md, section 6).
    trace: { mode: 'retain-on-failure', screenshots: false },
    screenshot: 'off',
    actionTimeout: 10_000,
    navigationTimeout: env.PAGE_TIMEOUT_MS,
  },
  projects: [
    // The @api checks (milliseconds each) get one worker, the browser checks one per core but
    // one. Each worker is a Playwright process (~2 s of CPU to start; a browser worker adds its
    // Chromium) serving one project, so two @api workers stopping to make room for two @e2e ones
    // cost two more starts. On 2 cores this is one of each, both busy from the start: a full run
    // takes 0.91x, a phase-1 run 0.85x the wall time of two shared workers (BENCHMARKS.md).
    { name: 'api', grep: /@api\b/, workers: env.API_WORKERS },
    {
      name: 'e2e',
      grep: /@e2e\b/,
      workers: e2eWorkers,
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: browser.executablePath,
          args: ['--disable-quic'],
        },
      },
    },
  ],
  webServer: env.sandbox
    ? {
        command: SANDBOX_COMMAND,
        url: sandboxReadyUrl(env),
        reuseExistingServer: !env.CI,
        timeout: 60_000,
        stdout: 'ignore',
        stderr: 'pipe',
        gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
        env: sandboxPublicEnv(env),
      }
    : undefined,
});
