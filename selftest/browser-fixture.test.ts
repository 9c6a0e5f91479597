// fixtures/browser.ts in real Chromium against a tiny loopback site: console and page errors are
// collected from every page and attached (redacted) only when there are some; screenshots are
// attached with their redacted metadata; authedPage carries an HTTP login's session; readerPage
// and guestPage are one tab per worker (signed in once, console errors kept per check, the
// project's context options as the test's own page has them); settle
// waits for a script's late request and gives up on a page that never stops; the blank-page
// verdict and labelledValue read pages as a person would.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { httpsFront, type FakeServer } from './helpers/fake-servers.ts';
import { createProject, fromProject, type InlineProject } from './helpers/inline-project.ts';
import { testServices } from './helpers/services.ts';
import type { ScreenshotMeta } from '../fixtures/annotations.ts';

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const EMAIL = 'monitor@clinic.example';

const page = (body: string, script = '') =>
  `<!doctype html><html><head><title>t</title><link rel="icon" href="data:,"></head><body>${body}${
    script ? `<script>${script}</script>` : ''
  }</body></html>`;

/** Sign-ins the site has accepted (POST /login with the right credentials). */
let logins = 0;

/** The site: a Laravel-style login (CSRF token, session cookie) and pages for each case. */
function site(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const cookie = req.headers.cookie ?? '';
    const html = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };
    if (url.pathname === '/login' && req.method === 'GET') {
      // The page leaks the password into the console: the attachment must not.
      return html(
        200,
        page(
          '<form method="post"><input type="hidden" name="_token" value="tok123"><label for="e">Email</label><input id="e" name="email"><label for="p">Password</label><input id="p" name="password" type="password"><button>Log in</button></form>',
          `console.error('login failed for ${EMAIL} with ${PASSWORD}');`,
        ),
        { 'set-cookie': 'session=guest; Path=/' },
      );
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const ok =
          form.get('email') === EMAIL &&
          form.get('password') === PASSWORD &&
          form.get('_token') === 'tok123' &&
          cookie.includes('session=guest');
        if (ok) {
          logins++;
          html(302, '', { location: '/home', 'set-cookie': `session=signed-in-${logins}; Path=/` });
        } else html(422, page('<p role="alert">These credentials do not match our records.</p>'));
      });
      return;
    }
    if (url.pathname === '/home') {
      if (!cookie.includes('session=signed-in')) return html(302, '', { location: '/login' });
      return html(200, page('<h1>Welcome, front desk</h1>'));
    }
    if (url.pathname === '/clean') return html(200, page('<h1>All good</h1><p>Nothing wrong here.</p>'));
    if (url.pathname === '/probe') {
      const sent = String(req.headers['x-phasegate-probe'] ?? 'none').replace(/[^\w-]/g, '');
      return html(200, page(`<p id="probe">${sent}</p>`));
    }
    if (url.pathname === '/throw') {
      return html(
        200,
        page('<h1>Broken</h1>', 'setTimeout(() => { null.addEventListener("x", () => {}); }, 10);'),
      );
    }
    if (url.pathname === '/blank') return html(200, page('<h1 style="display:none">Hidden</h1>'));
    // A script asks for more as the page loads, and again once that answers (slow, both).
    if (url.pathname === '/late') {
      return html(
        200,
        page(
          '<p id="out">waiting</p>',
          "fetch('/slow').then(() => fetch('/slow')).then(() => { document.getElementById('out').textContent = 'done'; });",
        ),
      );
    }
    if (url.pathname === '/slow') {
      setTimeout(() => html(200, 'ok'), 250);
      return;
    }
    // Never quiet: a long poll the server holds open (a request always in flight, however
    // slowly a loaded machine runs the page's scripts).
    if (url.pathname === '/poll') return html(200, page('<p>live</p>', "fetch('/hold');"));
    if (url.pathname === '/hold') return; // answered never; the server's close ends it
    if (url.pathname === '/detail') {
      return html(
        200,
        page(
          [
            '<dl><dt>Idempotency key</dt><dd> k-123 </dd><dt>Cal.com booking UID</dt><dd></dd></dl>',
            '<table><tr><th>Status</th><td>confirmed</td></tr></table>',
            '<label>Reference</label><input readonly value="ref-9">',
            '<div><span>Secret note</span><span style="display:none">hidden value</span></div>',
          ].join(''),
        ),
      );
    }
    return html(404, page('<h1>Not found</h1>'));
  });
}

interface JsonResult {
  status: string;
  errors: { message?: string }[];
  annotations: { type: string; description?: string }[];
  attachments: { name: string; contentType: string; path?: string; body?: string }[];
}
interface JsonSuite {
  specs?: { title: string; tests: { projectName: string; results: JsonResult[] }[] }[];
  suites?: JsonSuite[];
}

/** The last result of each test by title (of its first project), and every test's in `all`. */
function resultsByTitle(file: string, all: { title: string; project: string; result?: JsonResult }[] = []) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as { suites: JsonSuite[] };
  const out = new Map<string, JsonResult>();
  const walk = (s: JsonSuite) => {
    for (const spec of s.specs ?? []) {
      const r = spec.tests[0]?.results.at(-1);
      if (r) out.set(spec.title, r);
      for (const t of spec.tests)
        all.push({ title: spec.title, project: t.projectName, result: t.results.at(-1) });
    }
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of report.suites) walk(s);
  return out;
}

function attachmentText(a: { path?: string; body?: string }): string {
  if (a.path) return readFileSync(a.path, 'utf8');
  return Buffer.from(a.body ?? '', 'base64').toString('utf8');
}

const SPEC = `import { expect } from '@playwright/test';
import { test } from '${fromProject('fixtures/index.ts')}';
import { settle } from '${fromProject('fixtures/browser.ts')}';
import { labelledValue } from '${fromProject('fixtures/detail-layouts.ts')}';

test('errors of every page are collected', async ({ page, context, consoleErrors }) => {
  await page.goto('/login');
  const second = await context.newPage();
  await second.goto('/throw');
  await expect.poll(() => consoleErrors.length).toBe(2);
  expect(consoleErrors.join('\\n')).not.toContain(process.env.LOGIN_PASSWORD);
});

test('a clean page attaches nothing', async ({ page, consoleErrors }) => {
  await page.goto('/clean');
  expect(consoleErrors).toEqual([]);
});

const session = async (page) =>
  test.info().annotations.push({
    type: 'session',
    description: (await page.context().cookies()).find((c) => c.name === 'session')?.value ?? 'none',
  });

test('authedPage is signed in over HTTP', async ({ authedPage }) => {
  await authedPage.goto('/home');
  await expect(authedPage.getByRole('heading', { name: 'Welcome, front desk' })).toBeVisible();
  await session(authedPage);
});

test('settle waits for the requests a script makes after the load', async ({ page, visit }) => {
  await visit(page, '/late', 'late page');
  expect(await settle(page, 5000)).toBe(true);
  expect(await page.locator('#out').textContent()).toBe('done');
});

test('settle gives up on a page that never stops asking', async ({ page, visit }) => {
  await visit(page, '/poll', 'polling page');
  expect(await settle(page, 800)).toBe(false);
});

test('a plain page is not signed in', async ({ page }) => {
  await page.goto('/home');
  expect(new URL(page.url()).pathname).toBe('/login');
});

test('snap attaches a PNG with redacted metadata', async ({ page, snap }) => {
  await page.goto('/clean?key=' + process.env.LOGIN_PASSWORD);
  const clean = await snap(page, 'clean page');
  expect(clean.blank.blank).toBe(false);
  expect(clean.png.subarray(1, 4).toString()).toBe('PNG');
  await page.goto('/blank');
  const { blank } = await snap(page, 'blank page');
  expect(blank.blank).toBe(true);
  expect(blank.reason).toContain('one colour');
});

test('labelledValue reads values next to their labels', async ({ page }) => {
  await page.goto('/detail');
  expect(await labelledValue(page, 'Idempotency key')).toEqual({ text: 'k-123', visible: true });
  expect(await labelledValue(page, 'Cal.com booking UID')).toEqual({ text: '', visible: false });
  expect(await labelledValue(page, 'Status')).toEqual({ text: 'confirmed', visible: true });
  expect(await labelledValue(page, 'Reference')).toEqual({ text: 'ref-9', visible: true });
  expect(await labelledValue(page, 'Secret note')).toEqual({ text: 'hidden value', visible: false });
  expect(await labelledValue(page, 'Nowhere', 500)).toBeNull();
});
`;

// One file, so one worker in order: the tabs are this worker's.
const SHARED_SPEC = `import { createRequire } from 'node:module';
import { expect } from '@playwright/test';
import { test } from '${fromProject('fixtures/index.ts')}';

const session = async (page) =>
  test.info().annotations.push({
    type: 'session',
    description: (await page.context().cookies()).find((c) => c.name === 'session')?.value ?? 'none',
  });

test('reader 1 meets a page error', async ({ readerPage, consoleErrors }) => {
  await readerPage.goto('/throw');
  await expect.poll(() => consoleErrors.length).toBe(1);
  await session(readerPage);
});

test('reader 2 is signed in, with none of reader 1 errors', async ({ readerPage, consoleErrors }) => {
  await readerPage.goto('/home');
  await expect(readerPage.getByRole('heading', { name: 'Welcome, front desk' })).toBeVisible();
  await readerPage.waitForTimeout(100);
  expect(consoleErrors).toEqual([]);
  await session(readerPage);
});

test('guest is signed out', async ({ guestPage }) => {
  await guestPage.goto('/home');
  expect(new URL(guestPage.url()).pathname).toBe('/login');
});

test('reader 3 is the same tab', async ({ readerPage }) => {
  await readerPage.goto('/home');
  await expect(readerPage.getByRole('heading', { name: 'Welcome, front desk' })).toBeVisible();
  await session(readerPage);
});

test('reader 4: the worker loaded no client library it never used', async ({ readerPage }) => {
  await readerPage.goto('/home');
  const files = Object.keys(createRequire(import.meta.url).cache);
  const loaded = ['undici', 'pg', 'ioredis'].filter((m) => files.some((f) => f.includes('/node_modules/' + m + '/')));
  test.info().annotations.push({ type: 'clients', description: loaded.join(',') || 'none' });
});

test('the worker tabs carry the project context options, as the test own page does', async ({ readerPage, guestPage, page }) => {
  const read = (p) =>
    p.evaluate(async () => ({
      language: navigator.language,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      dark: matchMedia('(prefers-color-scheme: dark)').matches,
      reducedMotion: matchMedia('(prefers-reduced-motion: reduce)').matches,
      geolocation: (await navigator.permissions.query({ name: 'geolocation' })).state,
      header: document.getElementById('probe')?.textContent,
    }));
  for (const p of [page, readerPage, guestPage]) await p.goto('/probe');
  const own = await read(page);
  expect(own).toEqual({
    language: 'de-DE',
    timeZone: 'Pacific/Auckland',
    dark: true,
    reducedMotion: true,
    geolocation: 'granted',
    header: 'from-the-config',
  });
  expect(await read(readerPage)).toEqual(own);
  expect(await read(guestPage)).toEqual(own);
});
`;

// Tabs open only in the check that asks for them, with tracing on as the config has it:
// Playwright starts tracing a context when it is made and every context there when a check begins,
// so a context still being made across two checks got both ("Tracing has been already started").
// A project of its own: its own worker, so its tabs open afresh.
const RACE_SPEC = `import { expect } from '@playwright/test';
import { test } from '${fromProject('fixtures/index.ts')}';

test('race: a reader check ends at once', async ({ readerPage }) => {});

test('race: the next check finds no tab but the reader opened', async ({ sharedTabs, browser }) => {
  expect([...sharedTabs.keys()]).toEqual(['reader']);
  expect(browser.contexts()).toHaveLength(1);
});

test('race: a guest check opens and traces its tab', async ({ guestPage, browser }) => {
  await guestPage.goto('/clean');
  expect(browser.contexts()).toHaveLength(2);
});
`;

// The target's HTTP (fixtures/app.ts, Node's own https) behind TLS: a production target is https.
// The front's certificate is trusted through NODE_EXTRA_CA_CERTS; it is for 127.0.0.1 only.
const TLS_SPEC = `import { expect } from '@playwright/test';
import { test } from '${fromProject('fixtures/index.ts')}';

test('targetHttp speaks HTTPS', async ({ targetHttp }) => {
  const first = await targetHttp.get(process.env.TLS_URL + '/clean');
  const second = await targetHttp.get(process.env.TLS_URL + '/clean');
  expect([first.status, second.status]).toEqual([200, 200]);
  expect(second.text).toContain('All good');
});

test('targetHttp refuses a certificate for another name', async ({ targetHttp }) => {
  const err = await targetHttp.get(process.env.TLS_OTHER_NAME_URL + '/clean').then(() => undefined, (e) => e);
  test.info().annotations.push({ type: 'tls', description: err ? err.message : 'answered' });
});
`;

describe('browser fixture', () => {
  let server: Server;
  let front: (FakeServer & { certFile: string }) | undefined;
  let project: InlineProject;
  let results: Map<string, JsonResult>;
  const everyResult: { title: string; project: string; result?: JsonResult }[] = [];
  let output = '';

  before(async () => {
    logins = 0;
    server = site();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    front = await httpsFront(`http://127.0.0.1:${port}`);
    project = createProject('browser-fixture');
    project.write({
      'playwright.config.ts': `import { defineConfig } from '@playwright/test';
import { chooseChromium } from '${fromProject('config/browser.ts')}';
export default defineConfig({
  testDir: '.',
  timeout: 30000,
  workers: 2,
  reporter: [['json', { outputFile: 'report.json' }]],
  projects: [
    { name: 'checks', testIgnore: 'race.spec.ts' },
    { name: 'race', testMatch: 'race.spec.ts', use: { trace: { mode: 'retain-on-failure', screenshots: false } } },
  ],
  use: {
    baseURL: process.env.TARGET_URL,
    // Context options a QA engineer may set: the shared worker tabs must honour them too.
    locale: 'de-DE',
    timezoneId: 'Pacific/Auckland',
    colorScheme: 'dark',
    reducedMotion: 'reduce',
    permissions: ['geolocation'],
    geolocation: { latitude: 52.52, longitude: 13.4 },
    extraHTTPHeaders: { 'x-phasegate-probe': 'from-the-config' },
    browserName: 'chromium',
    launchOptions: { executablePath: chooseChromium(process.env.CHROMIUM_PATH).executablePath },
  },
});
`,
      'browser.spec.ts': SPEC,
      'shared.spec.ts': SHARED_SPEC,
      'race.spec.ts': RACE_SPEC,
      'tls.spec.ts': TLS_SPEC,
    });
    const run = await project.test([], {
      TARGET_URL: `http://127.0.0.1:${port}`,
      TLS_URL: front.url,
      TLS_OTHER_NAME_URL: `https://localhost:${front.port}`,
      NODE_EXTRA_CA_CERTS: front.certFile,
      LOGIN_EMAIL: EMAIL,
      LOGIN_PASSWORD: PASSWORD,
      // Never touched by these specs, but unique all the same.
      DATABASE_URL: testServices().databaseUrl(`phasegate_t_${randomBytes(4).toString('hex')}`),
      REDIS_PREFIX: `t${randomBytes(4).toString('hex')}_database_`,
      ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
    });
    output = run.output;
    results = resultsByTitle(path.join(project.dir, 'report.json'), everyResult);
  });

  after(async () => {
    await front?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    project.cleanup();
  });

  const passed = (title: string): JsonResult => {
    const r = results.get(title);
    assert.ok(r, `no result for "${title}":\n${output}`);
    assert.equal(r.status, 'passed', `${title}: ${r.errors.map((e) => e.message).join('\n')}\n${output}`);
    return r;
  };

  test('console errors and page errors of every page are attached, redacted', () => {
    const r = passed('errors of every page are collected');
    const consoles = r.attachments.filter((a) => a.name === 'browser-console');
    assert.equal(consoles.length, 1);
    assert.equal(consoles[0]?.contentType, 'text/plain');
    const text = attachmentText(consoles[0] ?? {});
    assert.match(
      text,
      /\[console\.error\] http:\/\/127\.0\.0\.1:\d+\/login: login failed for monitor@clinic\.example with \*\*\*/,
    );
    assert.match(
      text,
      /\[pageerror\] http:\/\/127\.0\.0\.1:\d+\/throw: TypeError: Cannot read properties of null/,
    );
    assert.ok(!text.includes(PASSWORD), 'the password leaked into the attachment');
  });

  test('a page without errors gets no browser-console attachment', () => {
    const r = passed('a clean page attaches nothing');
    assert.deepEqual(
      r.attachments.filter((a) => a.name === 'browser-console'),
      [],
    );
  });

  test('authedPage carries the session of an HTTP login; page does not', () => {
    passed('authedPage is signed in over HTTP');
    passed('a plain page is not signed in');
  });

  test('readerPage: one sign-in a worker, console errors per check; guestPage is signed out', () => {
    const sessionOf = (title: string) =>
      passed(title).annotations.find((a) => a.type === 'session')?.description;
    const first = passed('reader 1 meets a page error');
    assert.equal(first.attachments.filter((a) => a.name === 'browser-console').length, 1);
    const second = passed('reader 2 is signed in, with none of reader 1 errors');
    assert.deepEqual(
      second.attachments.filter((a) => a.name === 'browser-console'),
      [],
    );
    passed('guest is signed out');
    const reader = sessionOf('reader 1 meets a page error');
    assert.match(reader ?? '', /^signed-in-\d+$/);
    assert.equal(sessionOf('reader 2 is signed in, with none of reader 1 errors'), reader);
    assert.equal(sessionOf('reader 3 is the same tab'), reader);
    // authedPage signs in afresh: its own session, and the two sign-ins are all the site saw.
    assert.notEqual(sessionOf('authedPage is signed in over HTTP'), reader);
    // and the race project's worker signed its reader tab in once.
    assert.equal(logins, 3);
  });

  // Every spec imports the fixtures: signing a tab in must not make a worker load undici (HTTP)
  // or, through the synthetic records' clean-up, pg and ioredis (~140 ms of its start-up).
  test('a worker whose checks only read pages loads no HTTP, database or Redis client library', () => {
    const r = passed('reader 4: the worker loaded no client library it never used');
    assert.equal(r.annotations.find((a) => a.type === 'clients')?.description, 'none');
  });

  test('the target over HTTPS: a trusted certificate answers; one for another name fails, named', () => {
    passed('targetHttp speaks HTTPS');
    const tls = passed('targetHttp refuses a certificate for another name').annotations.find(
      (a) => a.type === 'tls',
    );
    assert.match(
      tls?.description ?? '',
      /^GET https:\/\/localhost:\d+\/clean failed: ERR_TLS_CERT_ALTNAME_INVALID/,
    );
  });

  test("the worker tabs carry the project's context options (locale, time zone, permissions, headers, media)", () => {
    passed('the worker tabs carry the project context options, as the test own page does');
  });

  test('a worker tab opens in the check that asks for it, never across two checks', () => {
    const races = everyResult.filter((r) => r.project === 'race');
    assert.equal(races.length, 3, output);
    for (const r of races) {
      assert.equal(
        r.result?.status,
        'passed',
        `${r.project} › ${r.title}: ${r.result?.errors.map((e) => e.message).join('\n')}`,
      );
    }
  });

  test('settle waits for late requests and gives up on a page that never goes quiet', () => {
    passed('settle waits for the requests a script makes after the load');
    passed('settle gives up on a page that never stops asking');
  });

  test('snap attaches a PNG and a screenshot annotation with the URL redacted; blank pages are detected', () => {
    const r = passed('snap attaches a PNG with redacted metadata');
    const shots = r.attachments.filter((a) => a.contentType === 'image/png').map((a) => a.name);
    // Each screenshot comes with its thumbnail, measured in the worker (the reporter reuses it).
    assert.deepEqual(shots, ['clean page', 'clean page (thumbnail)', 'blank page', 'blank page (thumbnail)']);
    const metas = r.annotations
      .filter((a) => a.type === 'screenshot')
      .map((a) => JSON.parse(a.description ?? '{}') as ScreenshotMeta);
    assert.equal(metas.length, 2);
    assert.equal(metas[0]?.name, 'clean page');
    assert.match(metas[0]?.url ?? '', /\/clean\?key=\*\*\*$/);
    assert.deepEqual(metas[0]?.viewport, { width: 1280, height: 720 });
    const png = r.attachments.find((a) => a.name === 'clean page');
    const bytes = png?.path ? readFileSync(png.path) : Buffer.from(png?.body ?? '', 'base64');
    assert.equal(metas[0]?.facts?.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(metas[0]?.facts?.size, bytes.length);
    assert.equal(metas[0]?.facts?.thumbnail, 'clean page (thumbnail)');
    assert.equal(metas[0]?.facts?.blank, false);
    assert.equal(metas[1]?.facts?.blank, true);
    assert.ok(!JSON.stringify(r.annotations).includes(PASSWORD));
  });

  test('labelledValue finds dt/dd, th/td and label/field pairs, and tells hidden from missing', () => {
    passed('labelledValue reads values next to their labels');
  });
});
