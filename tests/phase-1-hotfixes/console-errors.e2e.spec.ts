// "No JavaScript console errors" on the two pages every user opens: the login page (signed out)
// and the appointment form (signed in over HTTP). Errors are collected by fixtures/browser.ts
// from every page of the test and attached as `browser-console`.
import { settle } from '../../fixtures/browser.ts';
import { test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { quoteList } from '../../fixtures/page-verdicts.ts';

// Scripts may throw after the load event (timers, fetch callbacks): give them this long to settle.
const SETTLE_MS = 5_000;

test(
  'No JavaScript console errors',
  check({ phase: 1, kind: 'e2e', covers: 'p1.no-console-errors' }),
  async ({ guestPage, readerPage, visit, consoleErrors, settings }) => {
    // Each page in its own tab, both at once (a page's load and settling are mostly waiting).
    const pages = [
      ['login page', settings.LOGIN_PATH, guestPage],
      ['appointment form', settings.APPOINTMENT_FORM_PATH, readerPage],
    ] as const;
    const visited = await Promise.allSettled(
      pages.map(async ([name, path, page]) => {
        const status = await visit(page, path, name);
        if (status === 0 || status >= 400) {
          throw new Error(
            `Cannot check the ${name} for console errors: ${path} answered HTTP ${status || 'nothing'}`,
          );
        }
        // A page that keeps polling never settles; what it logged so far still counts.
        await settle(page, SETTLE_MS);
      }),
    );
    // The first page that could not be checked in the order above, not the first to fail in time.
    for (const v of visited) if (v.status === 'rejected') throw v.reason;
    if (consoleErrors.length > 0) {
      throw new Error(
        `${consoleErrors.length} JavaScript console error(s) on the login page and appointment form: ${quoteList(consoleErrors)}`,
      );
    }
  },
);
