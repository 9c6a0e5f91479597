// "No loading spinners stuck": on the appointment form, every role=status spinner (accessible
// name matching SPINNER_NAME_PATTERN) must be gone soon after the page arrived. Measured with the
// page's own clock, from the first byte of the document.
import { test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { settingPattern } from '../../fixtures/page-verdicts.ts';
import { thresholds } from '../../phases/catalogue.ts';

test(
  'No loading spinners stuck',
  check({ phase: 4, kind: 'e2e', covers: 'p4.no-stuck-spinners' }),
  async ({ readerPage: page, snap, visit, settings, measure }) => {
    const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form', 'domcontentloaded');
    if (status === 0 || status >= 400) {
      throw new Error(
        `Cannot check loading spinners: the appointment form ${settings.APPOINTMENT_FORM_PATH} answered HTTP ${status || 'nothing'}`,
      );
    }
    // getByRole leaves out hidden elements: a count of 0 means no spinner is showing.
    const spinners = page.getByRole('status', {
      name: settingPattern('SPINNER_NAME_PATTERN', settings.SPINNER_NAME_PATTERN),
    });
    const limit = thresholds.spinnerMs.limit;
    let stuck = false;
    try {
      await spinners.first().waitFor({ state: 'hidden', timeout: limit + 500 });
    } catch {
      stuck = true;
    }
    // From the document's first byte, so that a slow server shows in the page-load check, not here.
    const ms = Math.round(
      await page.evaluate(() => {
        const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return performance.now() - (e?.responseStart ?? 0);
      }),
    );
    let detail: string | undefined;
    if (stuck) {
      await snap(page, 'stuck spinner');
      const names = await spinners.evaluateAll((els) =>
        els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()),
      );
      detail = `still showing: ${names.map((n) => `"${n}"`).join(', ')}`;
    }
    await measure('Loading spinner visible', ms, 'spinnerMs', detail);
  },
);
