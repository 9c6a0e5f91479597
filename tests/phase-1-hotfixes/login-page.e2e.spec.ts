// The login page as a signed-out user meets it (runbook screenshot 1_1_login_page.png): it answers,
// it is not a blank page, and its fields are there by their labels.
import { test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';

// A blank login page locks every user out: critical, roll back.
test(
  'Login page renders without errors',
  check({ phase: 1, kind: 'e2e', covers: 'p1.login-page', critical: true }),
  async ({ guestPage: page, snap, visit, settings }) => {
    const status = await visit(page, settings.LOGIN_PATH, 'login page');
    const { blank } = await snap(page, 'login page');

    const problems: string[] = [];
    if (status === 0 || status >= 400)
      problems.push(`${settings.LOGIN_PATH} answered HTTP ${status || 'nothing'}`);
    if (blank.blank) problems.push(`the page renders blank: ${blank.reason}`);
    const missing: string[] = [];
    const fields = [
      {
        what: 'email field',
        locator: page.getByLabel(settings.LOGIN_EMAIL_LABEL),
        label: settings.LOGIN_EMAIL_LABEL,
      },
      {
        what: 'password field',
        locator: page.getByLabel(settings.LOGIN_PASSWORD_LABEL),
        label: settings.LOGIN_PASSWORD_LABEL,
      },
      {
        what: 'submit button',
        locator: page.getByRole('button', { name: settings.LOGIN_SUBMIT_LABEL }),
        label: settings.LOGIN_SUBMIT_LABEL,
      },
    ];
    for (const f of fields) {
      if (!(await f.locator.first().isVisible())) missing.push(`${f.what} "${f.label}"`);
    }
    if (missing.length > 0) problems.push(`not visible: ${missing.join(', ')}`);

    if (problems.length > 0) {
      throw new Error(`Login page ${settings.LOGIN_PATH} does not render correctly: ${problems.join('; ')}`);
    }
  },
);
