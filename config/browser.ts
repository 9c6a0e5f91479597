// Chooses the Chromium at run time (ENVIRONMENT.md): CHROMIUM_PATH, else Playwright's own
// browser when installed, else the system's: for a headless run Debian's headless shell first.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/**
 * Debian's `chromium-headless-shell`: the old headless build that Playwright itself runs for
 * headless checks. A full run took 0.73x the wall time and 0.75x the CPU it took in the full
 * browser's headless mode, with byte-identical screenshots (BENCHMARKS.md, section 8). It cannot
 * show a window, so a headed run takes the full browser.
 */
export const SYSTEM_HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';

export const SYSTEM_CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/**
 * Set by the runner for its workers: `1` when the run shows its browser. A worker's command line
 * holds none of the runner's flags, and the config is evaluated in both.
 */
export const HEADED_ENV = 'PHASEGATE_HEADED';

export interface BrowserChoice {
  /** undefined: Playwright's own managed browser. */
  executablePath: string | undefined;
  source: 'CHROMIUM_PATH' | 'playwright' | 'system' | 'none';
}

/**
 * Whether this run shows its browser: `--headed`, `--debug`, `--ui` or PWDEBUG in the runner; in a
 * worker (TEST_WORKER_INDEX is set), what the runner put into HEADED_ENV.
 */
export function headedRun(argv: readonly string[] = process.argv, env = process.env): boolean {
  if (env.TEST_WORKER_INDEX !== undefined) return env[HEADED_ENV] === '1';
  if (env.PWDEBUG) return true;
  return argv.some((a) => /^--(headed|debug|ui)(=|$)/.test(a) || a.startsWith('--ui-'));
}

export function chooseChromium(
  chromiumPath: string | undefined,
  opts: { headed?: boolean; exists?: (file: string) => boolean } = {},
): BrowserChoice {
  const exists = opts.exists ?? existsSync;
  if (chromiumPath) return { executablePath: chromiumPath, source: 'CHROMIUM_PATH' };
  let own: string | undefined;
  try {
    own = chromium.executablePath();
  } catch {
    own = undefined;
  }
  // Playwright picks its own headless shell or full browser by the run's headless setting.
  if (own && exists(own)) return { executablePath: undefined, source: 'playwright' };
  const candidates = opts.headed
    ? SYSTEM_CHROMIUM_CANDIDATES
    : [SYSTEM_HEADLESS_SHELL, ...SYSTEM_CHROMIUM_CANDIDATES];
  const system = candidates.find((p) => exists(p));
  if (system) return { executablePath: system, source: 'system' };
  return { executablePath: undefined, source: 'none' };
}
