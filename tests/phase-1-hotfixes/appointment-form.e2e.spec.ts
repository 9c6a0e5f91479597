// The appointment form as the front desk meets it (runbook screenshot 1_2_appointment_form.png):
// signed in over HTTP, the page answers, is not blank, and shows its fields by their labels.
import { test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Appointment form displays',
  check({ phase: 1, kind: 'e2e', covers: 'p1.appointment-form' }),
  async ({ readerPage: page, snap, visit, settings }) => {
    const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form');
    const { blank } = await snap(page, 'appointment form');

    const problems: string[] = [];
    if (status === 0 || status >= 400) {
      problems.push(`${settings.APPOINTMENT_FORM_PATH} answered HTTP ${status || 'nothing'}`);
    }
    if (blank.blank) problems.push(`the page renders blank: ${blank.reason}`);
    const missing: string[] = [];
    for (const label of [settings.FORM_NAME_LABEL, settings.FORM_EMAIL_LABEL, settings.FORM_START_LABEL]) {
      if (!(await page.getByLabel(label).first().isVisible())) missing.push(`field "${label}"`);
    }
    if (!(await page.getByRole('button', { name: settings.FORM_SUBMIT_LABEL }).first().isVisible())) {
      missing.push(`button "${settings.FORM_SUBMIT_LABEL}"`);
    }
    if (missing.length > 0) problems.push(`not visible: ${missing.join(', ')}`);

    if (problems.length > 0) {
      throw new Error(
        `Appointment form ${settings.APPOINTMENT_FORM_PATH} does not display correctly: ${problems.join('; ')}`,
      );
    }
  },
);
