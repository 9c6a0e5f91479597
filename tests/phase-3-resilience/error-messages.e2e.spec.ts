// "Error messages display clearly (not blank)": the appointment form, submitted empty and then
// with bad values, must show a readable role=alert message per bad field. Client-side
// validation blocks these submits, and the server refuses them too: nothing is created.
import type { Page } from '@playwright/test';
import { expect, test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { validationVerdict } from '../../fixtures/page-verdicts.ts';

// How long messages may take to appear after a submit (they are client-side, so this is generous).
const MESSAGE_WAIT_MS = 3_000;

/** Texts of the role=alert elements in the accessibility tree (hidden ones excluded). */
async function alertTexts(page: Page): Promise<string[]> {
  return page.getByRole('alert').allInnerTexts();
}

/** Waits until the alerts differ from `before` (or the wait ends), then returns them. */
async function alertsAfterSubmit(page: Page, before: string[]): Promise<string[]> {
  const unchanged = async () => (await alertTexts(page)).join('\n') === before.join('\n');
  await expect
    .poll(unchanged, { timeout: MESSAGE_WAIT_MS, intervals: [100] })
    .toBe(false)
    .catch(() => {
      // Nothing changed: the verdict reports that no message appeared.
    });
  return alertTexts(page);
}

test(
  'Error messages display clearly',
  check({ phase: 3, kind: 'e2e', covers: 'p3.error-messages' }),
  async ({ authedPage: page, snap, visit, settings }) => {
    const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form');
    if (status === 0 || status >= 400) {
      throw new Error(
        `Cannot check error messages: the appointment form ${settings.APPOINTMENT_FORM_PATH} answered HTTP ${status || 'nothing'}`,
      );
    }
    const submit = page.getByRole('button', { name: settings.FORM_SUBMIT_LABEL }).first();
    await submit.waitFor({ state: 'visible' });
    const before = await alertTexts(page);

    // 1. Everything empty: one message per required field (name, email, start).
    await submit.click();
    const empty = validationVerdict(before, await alertsAfterSubmit(page, before), 3);

    // 2. A name, but a malformed e-mail and a start in the past: two messages.
    await page.getByLabel(settings.FORM_NAME_LABEL).first().fill(`${settings.SYNTHETIC_MARKER} validation`);
    await page.getByLabel(settings.FORM_EMAIL_LABEL).first().fill('not-an-email-address');
    await page.getByLabel(settings.FORM_START_LABEL).first().fill('2020-01-06T09:15');
    const beforeInvalid = await alertTexts(page);
    await submit.click();
    const afterInvalid = await alertsAfterSubmit(page, beforeInvalid);
    await snap(page, 'validation errors');
    const invalid = validationVerdict(before, afterInvalid, 2);

    const problems = [
      ...(empty.ok ? [] : [`empty form: ${empty.message}`]),
      ...(invalid.ok ? [] : [`invalid e-mail and past start: ${invalid.message}`]),
    ];
    if (problems.length > 0) throw new Error(`Error messages are not clear: ${problems.join('; ')}`);
    console.log(`Empty form: ${empty.message}\nInvalid values: ${invalid.message}`);
  },
);
