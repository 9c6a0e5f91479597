// "Page loads in <3 seconds": the browser's own navigation timing (start of navigation to the end
// of the load event) of the login page and the appointment form; the slowest one is measured.
import type { Page } from '@playwright/test';
import { test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { navigationMs, slowestPage, type NavigationTiming } from '../../fixtures/page-verdicts.ts';

// After Playwright's `load`, the browser fills in loadEventEnd once the load handlers return.
const LOAD_END_WAIT_MS = 5_000;

async function navigationTiming(page: Page): Promise<NavigationTiming | null> {
  await page
    .waitForFunction(
      () => {
        const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return !!e && e.loadEventEnd > 0;
      },
      undefined,
      { timeout: LOAD_END_WAIT_MS },
    )
    .catch(() => {
      // Measured as unfinished below.
    });
  return page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return e
      ? {
          startTime: e.startTime,
          loadEventEnd: e.loadEventEnd,
          domContentLoadedEventEnd: e.domContentLoadedEventEnd,
        }
      : null;
  });
}

test(
  'Page load < 3 s',
  check({ phase: 4, kind: 'e2e', covers: 'p4.page-load' }),
  async ({ page, signIn, visit, settings, measure }, testInfo) => {
    const pages: { name: string; ms: number | null }[] = [];
    for (const [name, path, signedIn] of [
      ['login page', settings.LOGIN_PATH, false],
      ['appointment form', settings.APPOINTMENT_FORM_PATH, true],
    ] as const) {
      if (signedIn) await signIn();
      const status = await visit(page, path, name);
      if (status === 0 || status >= 400) {
        throw new Error(`Cannot time the ${name}: ${path} answered HTTP ${status || 'nothing'}`);
      }
      const timing = await navigationTiming(page);
      pages.push({ name, ms: timing ? navigationMs(timing) : null });
    }
    console.log(pages.map((p) => `${p.name}: ${p.ms ?? 'load not finished'} ms`).join('\n'));
    await testInfo.attach('page load timings', {
      body: JSON.stringify(pages, null, 2),
      contentType: 'application/json',
    });
    // A load that never finished counts as the navigation timeout: certainly over the limit.
    const slowest = slowestPage(pages, 15_000);
    await measure('Page load', slowest.ms, 'pageLoadMs', `slowest: ${slowest.name}`);
  },
);
