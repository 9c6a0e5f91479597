// Screenshots through the reporter, rendered by real Chromium: stable names in catalogue order,
// a blank page flagged (a passing check turns yellow, a failing one stays red), a real page not,
// thumbnails smaller than the originals, and screenshots/report.json matching the files on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import {
  configSource,
  createProject,
  expectCode,
  fileList,
  fromProject,
  read,
  REPO,
} from './helpers/inline-project.ts';

const TAGS = fromProject('fixtures/tags.ts');
const BROWSER = fromProject('config/browser.ts');

const config = configSource(
  `use: { browserName: 'chromium', viewport: { width: 1280, height: 800 }, launchOptions: { executablePath: chooseChromium(undefined).executablePath } },`,
).replace(
  "import { defineConfig } from '@playwright/test';",
  `import { defineConfig } from '@playwright/test';\nimport { chooseChromium } from '${BROWSER}';`,
);

const spec = `import { test, expect, type Page, type TestInfo } from '@playwright/test';
import { check } from '${TAGS}';

async function snap(page: Page, info: TestInfo, name: string) {
  await info.attach(name, { body: await page.screenshot(), contentType: 'image/png' });
  info.annotations.push({ type: 'screenshot', description: JSON.stringify({ name, url: page.url(), viewport: page.viewportSize() }) });
}

// Declared out of catalogue order on purpose: the file names follow the catalogue.
test('Error page explains itself', check({ phase: 1, kind: 'e2e', covers: 'p1.no-console-errors' }), async ({ page }, info) => {
  await page.setContent('<body style="margin:0;background:#fff"></body>');
  await snap(page, info, 'error page');
  await expect(page.getByRole('alert'), 'an error message is shown').toBeVisible({ timeout: 500 });
});
test('Appointment form displays', check({ phase: 1, kind: 'e2e', covers: 'p1.appointment-form' }), async ({ page }, info) => {
  await page.setContent('<body style="margin:0;background:#fff"></body>');
  await snap(page, info, 'appointment form');
  await info.attach('browser-console', { body: Buffer.from('[pageerror] http://x/: TypeError: form is undefined\\n'), contentType: 'text/plain' });
});
test('Login page renders', check({ phase: 1, kind: 'e2e', covers: 'p1.login-page' }), async ({ page }, info) => {
  await page.setContent('<main style="font:16px sans-serif;padding:40px"><h1>Sign in</h1><form><label>Email <input type="email"></label><br><label>Password <input type="password"></label><br><button>Log in</button></form><p>Clinic booking</p></main>');
  await snap(page, info, 'login page');
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
});
`;

const p = createProject('rep-shots');
after(() => p.cleanup());

interface ShotEntry {
  file: string;
  check: string;
  url: string;
  viewport: { width: number; height: number };
  sha256: string;
  size: number;
  verdict: string;
  thumbnail: string;
}

test('screenshots: names, blank verdicts, thumbnails, report.json', { timeout: 290_000 }, async () => {
  p.write({ 'playwright.config.ts': config, 'shots.spec.ts': spec });
  const first = await p.test();
  expectCode(first, 1, 'first run');
  const second = await p.test();
  expectCode(second, 1, 'second run');
  const [dirA, dirB] = p.screenshotDirs();
  assert.ok(dirA && dirB && dirA !== dirB, 'two runs, two screenshot folders');
  const names = ['1_1_login_page.png', '1_2_appointment_form.png', '1_3_error_page.png'];
  for (const dir of [dirA, dirB]) {
    assert.deepEqual(fileList(dir), [...names, 'report.json', ...names.map((n) => `thumbnails/${n}`)]);
  }
  const report = JSON.parse(read(path.join(dirA, 'report.json'))) as {
    phase: number;
    screenshots: ShotEntry[];
  };
  assert.equal(report.phase, 1);
  assert.deepEqual(
    report.screenshots.map((s) => [s.file, s.check, s.verdict]),
    [
      ['1_1_login_page.png', 'Login page renders', 'ok'],
      ['1_2_appointment_form.png', 'Appointment form displays', 'blank'],
      ['1_3_error_page.png', 'Error page explains itself', 'blank'],
    ],
  );
  for (const s of report.screenshots) {
    const bytes: Buffer = readFileSync(path.join(dirA, s.file));
    assert.equal(s.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(s.size, bytes.length);
    assert.deepEqual(s.viewport, { width: 1280, height: 800 });
    assert.equal(s.url, 'about:blank');
    const thumb = statSync(path.join(dirA, s.thumbnail)).size;
    assert.ok(
      thumb > 0 && thumb < bytes.length,
      `${s.thumbnail} (${thumb} B) is smaller than ${s.file} (${bytes.length} B)`,
    );
  }

  const reportDir = p.reportDirs()[0] as string;
  const summary = read(path.join(reportDir, 'summary.txt')).split('\n');
  assert.deepEqual(summary.slice(0, 3), [
    '❌ 2/3 checks passed',
    '❌ Success rate: 66.7%',
    '✅ No critical errors',
  ]);
  assert.equal(summary[4], '✅ Login page renders: PASS');
  assert.match(
    summary[5] as string,
    /^⚠️ Appointment form displays: blank screenshot "appointment form": the whole page is one colour/,
  );
  assert.match(summary[6] as string, /^❌ Error page explains itself: FAIL — /);
  const status = read(path.join(reportDir, 'status.env'));
  assert.match(status, /WARNINGS=1\n/);
  assert.match(status, /FAILED=1\n/);
  const e2e = read(path.join(reportDir, 'e2e.log'));
  assert.match(e2e, /browser console:\n {4}\| \[pageerror\] http:\/\/x\/: TypeError: form is undefined/);
  assert.match(e2e, /screenshot: 1_2_appointment_form\.png \(BLANK: /);
  const index = read(path.join(reportDir, 'INDEX.md'));
  assert.match(
    index,
    /\[!\[login page\]\(\.\.\/\.\.\/screenshots\/phase_1_[0-9_]+\/thumbnails\/1_1_login_page\.png\)\]/,
  );
  assert.match(
    index,
    /1_2_appointment_form\.png` — Appointment form displays · about:blank · ⚠️ \*\*blank page\*\*/,
  );
});

// Screenshots a check measured when it took them (fixtures/screenshot-facts.ts): the reporter
// reuses the facts and the thumbnail while the sha256 still matches, and measures the image
// itself when it does not. The facts here are chosen to disagree with the pixels, so the verdict
// in the report tells which path was taken.
const FACTS = fromProject('fixtures/screenshot-facts.ts');
// The two images the generated specs attach: a drawn page (not blank) and an all-white one.
const SPEC_IMAGES = `const drawn = () =>
  sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400"><rect width="640" height="400" fill="#fff"/><rect x="40" y="40" width="300" height="60" fill="#1f2937"/></svg>')).png().toBuffer();
const white = () =>
  sharp({ create: { width: 640, height: 400, channels: 3, background: '#ffffff' } }).png().toBuffer();
`;
const capturedSpec = `import { test } from '@playwright/test';
import sharp from 'sharp';
import { check } from '${TAGS}';
import { ANNOTATION } from '${fromProject('fixtures/annotations.ts')}';
import { analyseImage, attachScreenshot } from '${FACTS}';

${SPEC_IMAGES}
// The facts as the worker measured them: a real page, not blank.
test('Login page renders', check({ phase: 1, kind: 'e2e', covers: 'p1.login-page' }), async ({}, info) => {
  const verdict = await attachScreenshot(info, await drawn(), { name: 'login page', url: 'http://app/login', viewport: { width: 640, height: 400 } });
  if (verdict.blank) throw new Error('the worker found the page blank: ' + verdict.reason);
});
// Facts that say "blank" for a real page, with the right sha256: the reporter believes them.
test('Appointment form displays', check({ phase: 1, kind: 'e2e', covers: 'p1.appointment-form' }), async ({}, info) => {
  await attachScreenshot(info, await drawn(), { name: 'appointment form', url: 'http://app/form', viewport: null });
  const a = info.annotations.find((x) => x.type === ANNOTATION.screenshot && x.description?.includes('appointment form'));
  const meta = JSON.parse(a!.description!);
  meta.facts.blank = true;
  meta.facts.blankReason = 'measured in the worker';
  a!.description = JSON.stringify(meta);
});
// Facts of another image (sha256 of a real page) on a white one: the reporter measures it itself.
test('Error page explains itself', check({ phase: 1, kind: 'e2e', covers: 'p1.no-console-errors' }), async ({}, info) => {
  const f = await analyseImage(await drawn());
  await info.attach('error page', { body: await white(), contentType: 'image/png' });
  await info.attach('error page (thumbnail)', { body: f.thumbnail, contentType: 'image/png' });
  const facts = { sha256: f.sha256, size: f.size, width: f.width, height: f.height, blank: false, blankReason: 'measured in the worker', thumbnail: 'error page (thumbnail)' };
  info.annotations.push({ type: ANNOTATION.screenshot, description: JSON.stringify({ name: 'error page', url: 'http://app/error', viewport: null, facts }) });
});
`;

const q = createProject('rep-shots-captured');
after(() => q.cleanup());

test(
  'screenshots measured at capture: facts and thumbnail reused while the sha256 matches',
  { timeout: 290_000 },
  async () => {
    q.write({ 'playwright.config.ts': configSource(), 'shots.spec.ts': capturedSpec });
    expectCode(await q.test(), 0, 'run');
    const dir = q.screenshotDirs()[0] as string;
    const names = ['1_1_login_page.png', '1_2_appointment_form.png', '1_3_error_page.png'];
    // No thumbnail attachment is mistaken for a screenshot of its own.
    assert.deepEqual(fileList(dir), [...names, 'report.json', ...names.map((n) => `thumbnails/${n}`)]);
    const report = JSON.parse(read(path.join(dir, 'report.json'))) as { screenshots: ShotEntry[] };
    assert.deepEqual(
      report.screenshots.map((s) => [s.file, s.verdict]),
      [
        ['1_1_login_page.png', 'ok'],
        ['1_2_appointment_form.png', 'blank'],
        ['1_3_error_page.png', 'blank'],
      ],
    );
    for (const s of report.screenshots) {
      const bytes: Buffer = readFileSync(path.join(dir, s.file));
      assert.equal(s.sha256, createHash('sha256').update(bytes).digest('hex'), s.file);
      assert.equal(s.size, bytes.length);
      const thumb = await sharp(readFileSync(path.join(dir, s.thumbnail))).metadata();
      assert.equal(thumb.width, 320, `${s.thumbnail} is a 320-px thumbnail`);
    }
    const summary = read(path.join(q.reportDirs()[0] as string, 'summary.txt'));
    assert.match(
      summary,
      /Appointment form displays: blank screenshot "appointment form": measured in the worker/,
    );
    assert.match(
      summary,
      /Error page explains itself: blank screenshot "error page": the whole page is one colour/,
    );
  },
);

// Images a check written with our `test` attached without facts (a QA engineer's testInfo.attach,
// Playwright's own failure screenshot): the check's worker measures them when the check ends
// (fixtures/screenshot-facts.ts), so the runner receives the facts and the thumbnail with the
// result, and neither the report nor a merge of shards decodes them again. The JSON reporter shows
// what arrived from the worker; our report that it was used. An image the worker cannot read, and
// two images of one name, are left to the reporter as before.
const plainSpec = `import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';
import sharp from 'sharp';
import { test } from '${fromProject('fixtures/index.ts')}';
import { check } from '${TAGS}';

${SPEC_IMAGES}
test('Login page renders', check({ phase: 1, kind: 'e2e', covers: 'p1.login-page' }), async ({}, info) => {
  await info.attach('login page', { body: await drawn(), contentType: 'image/png' });
});
test('Appointment form displays', check({ phase: 1, kind: 'e2e', covers: 'p1.appointment-form' }), async ({ page }) => {
  await page.setContent('<body style="margin:0;background:#fff"></body>');
  expect(1, 'fails on purpose: Playwright attaches its own screenshot').toBe(2);
});
test('Error page explains itself', check({ phase: 1, kind: 'e2e', covers: 'p1.no-console-errors' }), async ({}, info) => {
  await info.attach('error page', { body: Buffer.from('not an image at all'), contentType: 'image/png' });
  await info.attach('twice', { body: await white(), contentType: 'image/png' });
  await info.attach('twice', { body: await drawn(), contentType: 'image/png' });
  // A file of the engineer's own, pushed by path: not Playwright's copy, so never linked.
  const own = path.join(info.project.testDir, 'own.png');
  writeFileSync(own, await drawn());
  info.attachments.push({ name: 'own', path: own, contentType: 'image/png' });
});
`;

interface JsonAttachment {
  name: string;
  contentType: string;
  path?: string;
}
interface JsonTestResult {
  annotations: { type: string; description?: string }[];
  attachments: JsonAttachment[];
}

const w = createProject('rep-shots-plain');
after(() => w.cleanup());

test("images attached without facts are measured in the check's worker", { timeout: 290_000 }, async () => {
  w.write({
    'playwright.config.ts': `import { defineConfig } from '@playwright/test';
import { chooseChromium } from '${BROWSER}';
export default defineConfig({
  testDir: '.',
  timeout: 30000,
  workers: 2,
  reporter: [[${JSON.stringify(path.join(REPO, 'reporters', 'reporter.ts'))}], ['json', { outputFile: 'results.json' }]],
  use: {
    screenshot: 'only-on-failure',
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath: chooseChromium(undefined).executablePath },
  },
});
`,
    'plain.spec.ts': plainSpec,
  });
  expectCode(await w.test(), 1, 'run');
  const results = new Map<string, JsonTestResult>();
  const json = JSON.parse(read(path.join(w.dir, 'results.json'))) as {
    suites: { specs: { title: string; tests: { results: JsonTestResult[] }[] }[] }[];
  };
  for (const s of json.suites)
    for (const spec of s.specs) results.set(spec.title, spec.tests[0]!.results[0]!);
  const factsOf = (title: string) =>
    (results.get(title)?.annotations ?? [])
      .filter((a) => a.type === 'screenshot')
      .map(
        (a) =>
          JSON.parse(a.description ?? '{}') as {
            name: string;
            facts?: { blank: boolean; thumbnail: string };
          },
      );
  const attached = (title: string) => (results.get(title)?.attachments ?? []).map((a) => a.name);

  // The plain attachment: facts and a thumbnail came from the worker.
  assert.deepEqual(
    factsOf('Login page renders').map((m) => [m.name, m.facts?.blank, m.facts?.thumbnail]),
    [['login page', false, 'login page (thumbnail)']],
  );
  assert.deepEqual(attached('Login page renders'), ['login page', 'login page (thumbnail)']);
  // Playwright's own failure screenshot (a blank page): measured there too.
  assert.deepEqual(
    factsOf('Appointment form displays').map((m) => [m.name, m.facts?.blank]),
    [['screenshot', true]],
  );
  assert.ok(attached('Appointment form displays').includes('screenshot (thumbnail)'));
  // Unreadable, or two of one name: nothing added in the worker; the engineer's own file, by path,
  // is measured there like any image.
  assert.deepEqual(
    factsOf('Error page explains itself').map((m) => m.name),
    ['own'],
  );
  assert.deepEqual(attached('Error page explains itself'), [
    'error page',
    'twice',
    'twice',
    'own',
    'own (thumbnail)',
  ]);

  // The report: every image filed once, the worker's verdicts used, the rest measured there.
  const dir = w.screenshotDirs()[0] as string;
  const report = JSON.parse(read(path.join(dir, 'report.json'))) as { screenshots: ShotEntry[] };
  assert.deepEqual(
    report.screenshots.map((s) => [s.file, s.verdict, s.url]),
    [
      ['1_1_login_page.png', 'ok', null],
      ['1_2_screenshot.png', 'blank', null],
      ['1_3_error_page.png', 'blank', null],
      ['1_4_twice.png', 'blank', null],
      ['1_5_twice.png', 'ok', null],
      ['1_6_own.png', 'ok', null],
    ],
  );
  // Playwright's own files are hard-linked in (the same bytes under a second name, no copy);
  // the engineer's own file is copied, since it may be rewritten later.
  const sourceOf = (title: string, name: string) =>
    results.get(title)?.attachments.find((a) => a.name === name)?.path ?? '';
  const failureShot = statSync(sourceOf('Appointment form displays', 'screenshot'));
  const filedShot = statSync(path.join(dir, '1_2_screenshot.png'));
  assert.equal(filedShot.ino, failureShot.ino, "Playwright's failure screenshot is linked, not copied");
  assert.ok(filedShot.nlink >= 2);
  const own = statSync(path.join(w.dir, 'own.png'));
  const filedOwn = statSync(path.join(dir, '1_6_own.png'));
  assert.notEqual(filedOwn.ino, own.ino, "the engineer's own file is copied");
  assert.equal(filedOwn.size, own.size);
  assert.equal(report.screenshots[2]?.thumbnail, null, 'the unreadable image has no thumbnail');
  for (const s of report.screenshots.filter((x) => x.thumbnail)) {
    const thumb = await sharp(readFileSync(path.join(dir, s.thumbnail))).metadata();
    assert.equal(thumb.width, 320, `${s.thumbnail} is a 320-px thumbnail`);
  }
});
