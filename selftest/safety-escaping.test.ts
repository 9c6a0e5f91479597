// Reports are safe to open (issue 5): a check title, an error, a warning or a measurement name
// that contains HTML renders as text in index.html and coverage/index.html — shown in a real
// browser opening the files from disk, as a release manager would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { chooseChromium } from '../config/browser.ts';
import {
  PHASE_REPORTER,
  REPO,
  describeRun,
  reportDirs,
  runSuite,
  type SuiteRun,
} from './helpers/robustness-run.ts';

const dir = path.join(REPO, '.tmp', `safety-escaping-${process.pid}`);
const MARKS = ['xssTitle', 'xssError', 'xssWarning', 'xssMeasure', 'xssStdout', 'xssCovers'];

// Each payload sets a flag on window if it ever runs; each must show up as visible text instead.
const TITLE = `Login <script>window.xssTitle=1</script> page <img src=x onerror="window.xssTitle=1">`;
const ERROR = `Cal.com said <script>window.xssError=1</script> & <b>bold</b>`;
const WARNING = `Slow <svg onload="window.xssWarning=1"></svg> lookup`;
const MEASURE = `Query <iframe src="javascript:window.parent.xssMeasure=1"></iframe>`;
const STDOUT = `</pre><script>window.xssStdout=1</script>`;

let browser: Browser;
let run: SuiteRun;

before(async () => {
  mkdirSync(dir, { recursive: true });
  const tags = JSON.stringify(path.join(REPO, 'fixtures', 'tags.ts'));
  writeFileSync(
    path.join(dir, 'playwright.config.ts'),
    `import { defineConfig } from '@playwright/test';
export default defineConfig({ testDir: '.', reporter: [[${JSON.stringify(PHASE_REPORTER)}]], workers: 1 });
`,
  );
  writeFileSync(
    path.join(dir, 'hostile.spec.ts'),
    `import { test } from '@playwright/test';
import { check } from ${tags};
test(${JSON.stringify(TITLE)}, check({ phase: 1, kind: 'api', covers: 'p1.login-page', critical: true }), async () => {
  console.log(${JSON.stringify(STDOUT)});
  throw new Error(${JSON.stringify(ERROR)});
});
test('Warned check', check({ phase: 1, kind: 'api', covers: 'p1.query-performance' }), async ({}, info) => {
  info.annotations.push({ type: 'warning', description: ${JSON.stringify(WARNING)} });
  info.annotations.push({ type: 'measurement', description: JSON.stringify({
    name: ${JSON.stringify(MEASURE)}, value: 1480, unit: 'ms', target: 1000, limit: 2000, better: 'lower', verdict: 'yellow' }) });
});
test('Covers a made-up item', check({ phase: 1, kind: 'api', covers: ['p1.api-health', 'p1.<script>window.xssCovers=1</script>'] }), async () => {});
`,
  );
  run = await runSuite({
    env: { TARGET_URL: 'http://127.0.0.1:9', DEPLOYMENT_PHASE: '1' },
    outDir: path.join(dir, 'out'),
    deadlineMs: 120_000,
    args: ['--config', path.join(dir, 'playwright.config.ts')],
  });
  browser = await chromium.launch({ executablePath: chooseChromium(undefined).executablePath });
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openAndProve(file: string, mustShow: string[]) {
  assert.ok(existsSync(file), `${file} was not written\n${describeRun(run)}`);
  const raw = readFileSync(file, 'utf8');
  for (const m of MARKS) {
    assert.doesNotMatch(
      raw,
      new RegExp(`<script>window\\.${m}`),
      `${path.basename(file)}: a raw <script> of ${m}`,
    );
  }
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForTimeout(300);
  const ran = await page.evaluate(
    (marks) => marks.filter((m) => (window as unknown as Record<string, unknown>)[m] !== undefined),
    MARKS,
  );
  assert.deepEqual(ran, [], `${path.basename(file)}: injected script ran`);
  assert.deepEqual(dialogs, []);
  const text = await page.locator('body').innerText();
  for (const s of mustShow) assert.ok(text.includes(s), `${path.basename(file)} must show as text: ${s}`);
  await page.close();
}

test('index.html shows hostile titles, errors, warnings and measurements as text', async () => {
  const reportDir = reportDirs(run.storageDir)[0];
  assert.ok(reportDir, `no report directory\n${describeRun(run)}`);
  await openAndProve(path.join(reportDir, 'index.html'), [
    '<script>window.xssTitle=1</script>',
    '<script>window.xssError=1</script>',
    '<svg onload="window.xssWarning=1"></svg>',
  ]);
});

test('coverage/index.html shows hostile check titles as text', async () => {
  const reportDir = reportDirs(run.storageDir)[0];
  assert.ok(reportDir, `no report directory\n${describeRun(run)}`);
  await openAndProve(path.join(reportDir, 'coverage', 'index.html'), ['<script>window.xssTitle=1</script>']);
});
