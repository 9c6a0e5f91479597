// The browser-visible faults, seen through real Chromium: the healthy pages first, then
// login_blank, console_error, errors_blank and spinner_stuck (and the degraded notice).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import sharp from 'sharp';
import { futureStart, SANDBOX_LOGIN } from './helpers/sandbox-client.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let sbx: TestSandbox;
let browser: Browser;
let context: BrowserContext;

before(async () => {
  [sbx, browser] = await Promise.all([
    startTestSandbox(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--disable-quic'] }),
  ]);
});

after(async () => {
  await browser?.close();
  await sbx?.stop();
});

async function freshPage(): Promise<{ page: Page; errors: string[] }> {
  await context?.close();
  context = await browser.newContext({ baseURL: sbx.appUrl, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return { page, errors };
}

async function login(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(SANDBOX_LOGIN.email);
  await page.getByLabel('Password').fill(SANDBOX_LOGIN.password);
  await Promise.all([
    page.waitForURL('**/appointments/create'),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
}

async function withFaults(faults: string[], fn: () => Promise<void>): Promise<void> {
  await sbx.setFaults(faults);
  try {
    await fn();
  } finally {
    await sbx.setFaults([]);
  }
}

describe('browser-visible behaviour', () => {
  test('healthy: login renders, spinner clears, validation speaks, a booking goes through', async () => {
    const { page, errors } = await freshPage();
    await page.goto('/login');
    assert.equal(await page.getByRole('heading', { name: 'Sign in' }).isVisible(), true);
    assert.equal(await page.getByLabel('Email').isVisible(), true);
    await login(page);
    const spinner = page.getByRole('status', { name: 'Loading availability' });
    await spinner.waitFor({ state: 'hidden' });
    assert.match((await page.locator('#availability-summary').textContent()) ?? '', /\d+ free slots today/);
    assert.equal(await page.getByText('temporarily unavailable').count(), 0);

    await page.getByRole('button', { name: 'Book appointment' }).click();
    const alerts = page.getByRole('alert');
    await alerts.first().waitFor();
    assert.deepEqual((await alerts.allTextContents()).sort(), [
      'Please choose a start time in the future.',
      'Please enter a valid email address.',
      "Please enter the patient's name.",
    ]);
    assert.match(page.url(), /\/appointments\/create$/, 'an invalid form is not submitted');

    await page.getByLabel('Patient name').fill('Browser Patient');
    await page.getByLabel('Patient email').fill('browser.patient@example.org');
    await page.getByLabel('Start time').fill(futureStart(3).slice(0, 16));
    await Promise.all([
      page.waitForURL(/\/appointments\/\d+$/),
      page.getByRole('button', { name: 'Book appointment' }).click(),
    ]);
    const uid = page.locator('dt:has-text("Cal.com booking UID") + dd');
    assert.match((await uid.textContent()) ?? '', /^\w{22}$/);
    assert.equal(await page.locator('dt:has-text("Status") + dd').textContent(), 'confirmed');
    assert.deepEqual(errors, []);
  });

  test('login_blank: the HTML arrives but nothing is visible', async () => {
    await withFaults(['login_blank'], async () => {
      const { page } = await freshPage();
      const res = await page.goto('/login');
      assert.equal(res?.status(), 200);
      assert.match(await page.content(), /<h1>Sign in<\/h1>/);
      assert.equal(await page.getByRole('heading', { name: 'Sign in' }).isVisible(), false);
      assert.equal(await page.getByLabel('Email').isVisible(), false);
      assert.equal((await page.locator('body').innerText()).trim(), '');
      // What a person sees: one white page, every pixel the same.
      const stats = await sharp(await page.screenshot()).stats();
      for (const c of stats.channels.slice(0, 3)) assert.deepEqual([c.min, c.max], [255, 255]);
    });
  });

  test('console_error: the login page script throws an uncaught error', async () => {
    await withFaults(['console_error'], async () => {
      const { page, errors } = await freshPage();
      await page.goto('/login');
      await page.waitForLoadState('load');
      assert.ok(
        errors.some((e) => e.startsWith('pageerror:')),
        `errors: ${JSON.stringify(errors)}`,
      );
    });
    const { page, errors } = await freshPage();
    await page.goto('/login');
    await page.waitForLoadState('load');
    assert.deepEqual(errors, []);
  });

  test('errors_blank: validation errors render as empty alerts', async () => {
    await withFaults(['errors_blank'], async () => {
      const { page } = await freshPage();
      await login(page);
      await page.getByRole('button', { name: 'Book appointment' }).click();
      const alerts = page.getByRole('alert');
      await alerts.first().waitFor({ state: 'attached' });
      assert.equal(await alerts.count(), 3);
      assert.deepEqual(await alerts.allTextContents(), ['', '', '']);
    });
  });

  test('spinner_stuck: the spinner stays after availability has answered', async () => {
    await withFaults(['spinner_stuck'], async () => {
      const { page } = await freshPage();
      await login(page);
      await page.locator('#availability-summary').filter({ hasText: 'free slots' }).waitFor();
      await page.waitForTimeout(1000);
      assert.equal(await page.getByRole('status', { name: 'Loading availability' }).isVisible(), true);
    });
  });

  test('calcom_down: the form shows the degraded notice', async () => {
    await withFaults(['calcom_down'], async () => {
      const { page } = await freshPage();
      await login(page);
      const notice = page.getByRole('alert').filter({ hasText: 'temporarily unavailable' });
      assert.equal(await notice.isVisible(), true);
      assert.equal(await page.getByLabel('Patient name').isVisible(), true);
    });
  });
});
