// fixtures/error-messages.ts in real Chromium (one browser for the file) against small forms
// served on loopback: the browser's own validation of required inputs, a server that answers
// 302 back with flashed errors (one list, one message under each field, role=alert or none),
// blank messages, no messages, and the browser's check bypassed to meet the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from '@playwright/test';
import { loopbackBrowser } from './helpers/loopback-browser.ts';
import { errorMessagesVerdict, formMessages, shownMessages } from '../fixtures/error-messages.ts';
import type { Verdict } from '../fixtures/page-verdicts.ts';

const MESSAGES: Record<string, string> = {
  patient_name: 'The patient name field is required.',
  patient_email: 'The patient email must be a valid email address.',
  starts_at: 'The start time must be a date after now.',
};

/** How the server shows flashed errors, per form path. */
const LAYOUTS: Record<string, (errors: string[]) => string> = {
  // Laravel's scaffolding: one list above the form, no ARIA.
  '/summary': (errs) =>
    errs.length
      ? `<div class="alert alert-danger"><ul>${errs.map((e) => `<li>${e}</li>`).join('')}</ul></div>`
      : '',
  // One role=alert listing several.
  '/alert-list': (errs) =>
    errs.length ? `<div role="alert"><ul>${errs.map((e) => `<li>${e}</li>`).join('')}</ul></div>` : '',
  '/blank': (errs) => errs.map(() => '<div role="alert" class="error"> </div>').join(''),
  '/silent': () => '',
};

function formHtml(
  action: string,
  path: string,
  errors: Record<string, string>,
  required: boolean,
  perField: boolean,
  oldNotes: string,
): string {
  const req = required ? ' required' : '';
  const under = (f: string) =>
    perField && errors[f] ? `<div class="invalid-feedback">${errors[f]}</div>` : '';
  const summary = perField ? '' : (LAYOUTS[path] ?? (() => ''))(Object.values(errors));
  return `<!doctype html><html><head><title>Book</title></head><body><main><h1>Book an appointment</h1>
${summary}
<form method="post" action="${action}">
<input type="hidden" name="_token" value="tok">
<label for="n">Patient name</label><input id="n" name="patient_name"${req}>${under('patient_name')}
<label for="e">Patient email</label><input id="e" name="patient_email" type="email"${req}>${under('patient_email')}
<label for="s">Start time</label><input id="s" name="starts_at" type="datetime-local"${req}>${under('starts_at')}
<label for="t">Notes</label><textarea id="t" name="notes">${oldNotes}</textarea>
<button type="submit">Book appointment</button>
</form></main></body></html>`;
}

/** The site: one request handler. */
function site(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname.replace(/^\/(native|fields)(?=\/)/, '');
  const required = url.pathname.startsWith('/native/');
  const perField = url.pathname.startsWith('/fields/');
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const errors: Record<string, string> = {};
      if (!form.get('patient_name')) errors.patient_name = MESSAGES.patient_name!;
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(form.get('patient_email') ?? ''))
        errors.patient_email = MESSAGES.patient_email!;
      if (!(Date.parse(form.get('starts_at') ?? '') > Date.now())) errors.starts_at = MESSAGES.starts_at!;
      // Laravel: 302 back to the form, the errors and the old input flashed in the session
      // (here a cookie); the form shows the old notes again inside its textarea.
      const flashed = { errors, notes: form.get('notes') ?? '' };
      res.writeHead(302, {
        location: url.pathname,
        'set-cookie': `flash=${encodeURIComponent(JSON.stringify(flashed))}; Path=/`,
      });
      res.end();
    });
    return;
  }
  const flash = /(?:^|;\s*)flash=([^;]*)/.exec(req.headers.cookie ?? '')?.[1];
  const flashed = flash
    ? (JSON.parse(decodeURIComponent(flash)) as { errors: Record<string, string>; notes: string })
    : { errors: {}, notes: '' };
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'set-cookie': 'flash=; Path=/; Max-Age=0',
  });
  res.end(formHtml(url.pathname, path, flashed.errors, required, perField, flashed.notes));
}

describe('error messages in real Chromium', () => {
  let page: Page;
  let base = '';
  let close: () => Promise<void> = async () => {};

  before(async () => {
    ({ page, base, close } = await loopbackBrowser(site));
  });

  after(() => close());

  const submit = () => page.getByRole('button', { name: 'Book appointment' });

  /** Opens `path`, fills `values` by label, submits, and judges as the check does. */
  async function submitForm(
    path: string,
    values: Record<string, string>,
    expected: number,
    bypass = false,
    /** Cases that must fail wait less than the check's 3 s. */
    waitMs = 3_000,
  ): Promise<{ verdict: Verdict; shown: string[] }> {
    await page.goto(base + path);
    const before = await formMessages(page, submit());
    for (const [label, value] of Object.entries(values)) await page.getByLabel(label).fill(value);
    if (bypass) await submit().evaluate((b) => ((b as HTMLButtonElement).form!.noValidate = true));
    await submit().click();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = await formMessages(page, submit());
      const verdict = errorMessagesVerdict(before, now, expected, bypass);
      if (verdict.ok || Date.now() > deadline) return { verdict, shown: shownMessages(before, now) };
      await page.waitForTimeout(100);
    }
  }

  test('required inputs: the browser blocks the submit and names each field', async () => {
    const { verdict } = await submitForm('/native/summary', {}, 3);
    assert.equal(verdict.ok, true, verdict.message);
    assert.match(
      verdict.message,
      /^the browser blocks the submit with 3 message\(s\): "Patient name: .+", "Patient email: .+", "Start time: .+"$/,
    );
    const bad = await submitForm(
      '/native/summary',
      { 'Patient name': 'A', 'Patient email': 'not-an-email' },
      2,
    );
    assert.match(bad.verdict.message, /with 2 message\(s\): "Patient email: [^"]*@[^"]*", "Start time: /);
  });

  test("the server's 302 back: one list above the form, no ARIA", async () => {
    // `a@b` passes the browser's type=email check; the server wants a domain with a dot.
    const { verdict, shown } = await submitForm('/summary', { 'Patient email': 'a@b' }, 3);
    assert.equal(verdict.ok, true, verdict.message);
    assert.deepEqual(shown, [MESSAGES.patient_name, MESSAGES.patient_email, MESSAGES.starts_at]);
  });

  test('one role=alert listing several counts each item', async () => {
    const { verdict, shown } = await submitForm('/alert-list', { 'Patient name': 'A' }, 2);
    assert.equal(verdict.ok, true, verdict.message);
    assert.deepEqual(shown, [MESSAGES.patient_email, MESSAGES.starts_at]);
  });

  test('one message under each field', async () => {
    const { verdict, shown } = await submitForm('/fields/x', {}, 3);
    assert.equal(verdict.ok, true, verdict.message);
    assert.deepEqual(shown, [MESSAGES.patient_name, MESSAGES.patient_email, MESSAGES.starts_at]);
  });

  test('blank alerts and no message at all fail, saying which', async () => {
    const blank = await submitForm('/blank', {}, 3, false, 1_000);
    assert.equal(blank.verdict.ok, false);
    assert.match(blank.verdict.message, /3 of 3 error message\(s\) are blank/);
    // The old input shown again in a textarea is no message.
    const silent = await submitForm('/silent', { Notes: 'Call before 9' }, 3, false, 1_000);
    assert.equal(silent.verdict.ok, false);
    assert.match(silent.verdict.message, /showed no error message/);
  });

  test("the browser's check bypassed: the server's messages count, not the re-rendered required fields", async () => {
    const values = { 'Patient email': 'a@clinic.example', 'Start time': '2099-01-05T10:00' };
    const shown = await submitForm('/native/summary', values, 1, true);
    assert.equal(shown.verdict.ok, true, shown.verdict.message);
    assert.deepEqual(shown.shown, [MESSAGES.patient_name]);
    const silent = await submitForm('/native/silent', values, 1, true, 1_000);
    assert.match(silent.verdict.message, /showed no error message/);
  });
});
