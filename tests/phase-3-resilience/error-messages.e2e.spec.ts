// "Error messages display clearly (not blank)": the appointment form, submitted empty and then
// with bad values, must show a readable message per bad field, whoever shows it: the browser
// (required inputs, native validation), a script, or the server (302 back with the errors).
// A third submit bypasses the browser's check, as a client without it would, so the server's own
// validation is met too; its values are a synthetic booking lacking only the name, so even a
// server that accepted it leaves nothing behind (the record is tracked and removed).
import type { Locator, Page } from '@playwright/test';
import { settle } from '../../fixtures/browser.ts';
import { expect, test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { errorMessagesVerdict, formMessages, type FormMessages } from '../../fixtures/error-messages.ts';
import type { Verdict } from '../../fixtures/page-verdicts.ts';

// How long messages may take to appear after a submit (a server round trip included).
const MESSAGE_WAIT_MS = 3_000;
// How long a freshly opened form may take to finish its own requests before the baseline is read.
const SETTLE_MS = 2_000;

/** Waits until the messages make the verdict (or the wait ends), then returns the verdict. */
async function verdictAfterSubmit(
  page: Page,
  submit: Locator,
  before: FormMessages,
  expected: number,
  bypassed = false,
): Promise<Verdict> {
  const verdict = async () =>
    errorMessagesVerdict(before, await formMessages(page, submit), expected, bypassed);
  await expect
    .poll(async () => (await verdict()).ok, { timeout: MESSAGE_WAIT_MS, intervals: [100] })
    .toBe(true)
    .catch(() => {
      // Not there in time: the verdict below says what is missing.
    });
  return verdict();
}

test(
  'Error messages display clearly',
  check({ phase: 3, kind: 'e2e', covers: 'p3.error-messages' }),
  async ({ authedPage: page, snap, visit, settings, synthetic }) => {
    /** A fresh form: its submit button and what it shows before any submit. */
    const openForm = async () => {
      const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form');
      if (status === 0 || status >= 400) {
        throw new Error(
          `Cannot check error messages: the appointment form ${settings.APPOINTMENT_FORM_PATH} answered HTTP ${status || 'nothing'}`,
        );
      }
      const submit = page.getByRole('button', { name: settings.FORM_SUBMIT_LABEL }).first();
      await submit.waitFor({ state: 'visible' });
      // Text a script adds after the load (availability, say) is no message: let it arrive first.
      // A page that keeps polling never settles; what it shows now is the baseline.
      await settle(page, SETTLE_MS);
      return { submit, before: await formMessages(page, submit) };
    };
    const field = (label: string) => page.getByLabel(label).first();

    // 1. Everything empty: one message per required field (name, email, start).
    let form = await openForm();
    await form.submit.click();
    const empty = await verdictAfterSubmit(page, form.submit, form.before, 3);

    // 2. A name, but a malformed e-mail and a start in the past: two messages.
    form = await openForm();
    await field(settings.FORM_NAME_LABEL).fill(`${settings.SYNTHETIC_MARKER} validation`);
    await field(settings.FORM_EMAIL_LABEL).fill('not-an-email-address');
    await field(settings.FORM_START_LABEL).fill('2020-01-06T09:15');
    await form.submit.click();
    const invalid = await verdictAfterSubmit(page, form.submit, form.before, 2);
    // The messages may sit anywhere on the form: all of it is the evidence.
    await snap(page, 'validation errors', { fullPage: true });

    // 3. The server's check: everything valid but the name, the browser's own check bypassed.
    form = await openForm();
    const n = synthetic.next();
    const email = synthetic.email(n);
    synthetic.trackEmail(email);
    await field(settings.FORM_EMAIL_LABEL).fill(email);
    await field(settings.FORM_START_LABEL).fill(synthetic.startsAt(n).toISOString().slice(0, 16));
    await form.submit.evaluate((b) => {
      const f = (b as HTMLButtonElement).form ?? b.closest('form');
      if (f) f.noValidate = true;
    });
    await form.submit.click();
    const server = await verdictAfterSubmit(page, form.submit, form.before, 1, true);

    const problems = [
      ...(empty.ok ? [] : [`empty form: ${empty.message}`]),
      ...(invalid.ok ? [] : [`invalid e-mail and past start: ${invalid.message}`]),
      ...(server.ok ? [] : [`no name, the browser's check bypassed: ${server.message}`]),
    ];
    if (problems.length > 0) throw new Error(`Error messages are not clear: ${problems.join('; ')}`);
    console.log(
      `Empty form: ${empty.message}\nInvalid values: ${invalid.message}\nServer (no name): ${server.message}`,
    );
  },
);
