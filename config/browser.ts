// Chooses the Chromium at run time (ENVIRONMENT.md): CHROMIUM_PATH, else Playwright's own
// browser when installed, else the system's.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const SYSTEM_CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export interface BrowserChoice {
  /** undefined: Playwright's own managed browser. */
  executablePath: string | undefined;
  source: 'CHROMIUM_PATH' | 'playwright' | 'system' | 'none';
}

export function chooseChromium(chromiumPath: string | undefined): BrowserChoice {
  if (chromiumPath) return { executablePath: chromiumPath, source: 'CHROMIUM_PATH' };
  let own: string | undefined;
  try {
    own = chromium.executablePath();
  } catch {
    own = undefined;
  }
  if (own && existsSync(own)) return { executablePath: undefined, source: 'playwright' };
  const system = SYSTEM_CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (system) return { executablePath: system, source: 'system' };
  return { executablePath: undefined, source: 'none' };
}
