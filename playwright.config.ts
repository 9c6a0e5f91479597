import { availableParallelism } from 'node:os';
import { defineConfig, type ReporterDescription } from '@playwright/test';
import { chooseChromium } from './config/browser.ts';
import { envOrExit } from './config/env.ts';

// Where a run starts, the files it reads on this machine are checked too (APP_LOG_PATH).
const env = envOrExit({ runFiles: true });
const browser = chooseChromium(env.CHROMIUM_PATH);

// The sandbox's secret-bearing settings reach it through the environment it inherits (Playwright
// starts the webServer with process.env underneath webServer.env), never through webServer.env:
// Playwright serialises the config, webServer included, into its JSON and blob reports.
if (env.sandbox) {
  Object.assign(process.env, {
    SANDBOX_DATABASE_URL: env.DATABASE_URL,
    SANDBOX_REDIS_URL: env.REDIS_URL,
    SANDBOX_CALCOM_API_KEY: env.CALCOM_API_KEY ?? '',
    SANDBOX_WEBHOOK_SECRET: env.CALCOM_WEBHOOK_SECRET ?? '',
    SANDBOX_LOGIN_PASSWORD: env.LOGIN_PASSWORD ?? '',
  });
}

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
  // One worker per core (at least two): each worker runs its own Chromium, so four on two cores
  // cost 45% more CPU for a slower verdict (BENCHMARKS.md, section 1).
  workers: Math.max(2, availableParallelism()),
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
    trace: 'off',
    screenshot: 'off',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
  },
  projects: [
    { name: 'api', grep: /@api\b/ },
    {
      name: 'e2e',
      grep: /@e2e\b/,
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
        command: 'node --import tsx sandbox/main.ts',
        url: `${env.targetUrl}/__sandbox/ready`,
        reuseExistingServer: !env.CI,
        timeout: 60_000,
        stdout: 'ignore',
        stderr: 'pipe',
        gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
        env: {
          SANDBOX_PORT: String(env.SANDBOX_PORT),
          SANDBOX_CALCOM_PORT: String(env.SANDBOX_CALCOM_PORT),
          SANDBOX_FAULTS: env.SANDBOX_FAULTS.join(','),
          SANDBOX_REDIS_PREFIX: env.REDIS_PREFIX,
          SANDBOX_CACHE_PREFIX: env.CACHE_PREFIX,
          SANDBOX_LOG_PATH: env.APP_LOG_PATH ?? 'storage/sandbox/logs/laravel.log',
          SANDBOX_LOGIN_EMAIL: env.LOGIN_EMAIL ?? '',
        },
      }
    : undefined,
});
