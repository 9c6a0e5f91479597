// `npm run new-check`: the generated check has the right tags and checklist ids, compiles, is
// listed by Playwright under the right project, FAILS when run (never a green placeholder), is
// never overwritten, and bad input is refused with a message that says what to do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { phases } from '../phases/catalogue.ts';
import { NewCheckError, nearest, parseOptions, phaseFolder, slug, writeCheck } from '../scripts/new-check.ts';
import { testServices } from './helpers/services.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository (git-ignored .tmp/) so that generated files resolve its node_modules.
const work = path.join(root, '.tmp', `new-check-${randomBytes(4).toString('hex')}`);
const testsDir = path.relative(root, path.join(work, 'tests'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with a hard timeout; the process group is killed if it overstays. */
function run(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface JsonSpec {
  title: string;
  file: string;
  tags: string[];
  tests: { projectName: string; results: { status: string; errors: { message?: string }[] }[] }[];
}
interface JsonSuite {
  specs?: JsonSpec[];
  suites?: JsonSuite[];
}

function specsOf(report: { suites?: JsonSuite[] }): JsonSpec[] {
  const out: JsonSpec[] = [];
  const walk = (s: JsonSuite) => {
    out.push(...(s.specs ?? []));
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of report.suites ?? []) walk(s);
  return out;
}

/** Playwright's JSON report from stdout (it is the only thing printed with --reporter=json). */
function jsonReport(r: Run): { suites?: JsonSuite[]; errors?: unknown[] } {
  const start = r.stdout.indexOf('{');
  assert.ok(start >= 0, `no JSON report in the output:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(start)) as { suites?: JsonSuite[] };
}

/** The JSON reporter drops the leading @ of tags. */
function atTags(tags: string[]): string[] {
  return tags.map((t) => (t.startsWith('@') ? t : `@${t}`));
}

describe('new-check', () => {
  before(() => {
    mkdirSync(work, { recursive: true });
    // The suite's projects without its webServer and global setup: the generated check needs no target.
    writeFileSync(
      path.join(work, 'playwright.config.ts'),
      [
        "import { defineConfig } from '@playwright/test';",
        'export default defineConfig({',
        "  testDir: './tests',",
        '  timeout: 20_000,',
        '  workers: 1,',
        "  outputDir: './test-results',",
        "  projects: [{ name: 'api', grep: /@api\\b/ }, { name: 'e2e', grep: /@e2e\\b/ }],",
        '});',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('phase folders follow the catalogue and the existing tests/ layout', () => {
    assert.deepEqual(
      phases.map((p) => phaseFolder(p.id)),
      [
        'phase-1-hotfixes',
        'phase-2-consistency',
        'phase-3-resilience',
        'phase-4-performance',
        'phase-5-architecture',
        'phase-6-testing',
        'phase-7-monitoring',
        'phase-8-documentation',
      ],
    );
    assert.equal(slug('Page load < 3 s'), 'page-load-3-s');
    assert.equal(slug('Cal.com booking ID matches local record'), 'cal-com-booking-id-matches-local-record');
  });

  test('bad input is refused, every problem named, with the nearest checklist ids', () => {
    const err = (argv: string[]) => {
      try {
        parseOptions(argv);
      } catch (e) {
        assert.ok(e instanceof NewCheckError, String(e));
        return e.message;
      }
      assert.fail(`accepted ${argv.join(' ')}`);
    };
    const m = err(['--phase', '9', '--kind', 'ui', '--title', ' ', '--covers', 'p3.circuit-braker']);
    assert.match(m, /--phase must be 1 to 8, got "9"/);
    assert.match(m, /--kind must be api \(no browser\) or e2e \(browser\), got "ui"/);
    assert.match(m, /--title is required/);
    assert.match(m, /unknown checklist id "p3.circuit-braker"; nearest: p3.circuit-breaker/);
    assert.match(m, /Usage: npm run new-check/);
    assert.match(
      err(['--phase', '3', '--kind', 'api', '--title', 'x']),
      /--covers is required.*phase 3: p3.error-messages/,
    );
    assert.match(
      err([
        '--phase',
        '4',
        '--kind',
        'api',
        '--title',
        'x',
        '--covers',
        'p4.page-load',
        '--threshold',
        'pageLoad',
      ]),
      /unknown threshold "pageLoad"; nearest: pageLoadMs/,
    );
    assert.match(
      err([
        '--phase',
        '4',
        '--kind',
        'api',
        '--title',
        'x',
        '--covers',
        'p4.page-load',
        '--subject',
        'Bad Name',
      ]),
      /--subject must be kebab-case/,
    );
    assert.match(err(['--phase', '1', '--colour', 'red']), /Unknown option '--colour'/);
    assert.deepEqual(
      nearest('p2.webhook-dedupe', ['p1.api-health', 'p2.webhook-dedup', 'p2.webhook-signature'], 1),
      ['p2.webhook-dedup'],
    );
  });

  test('--help prints the usage and every checklist id, and exits 0', async () => {
    const r = await run('npx', ['tsx', 'scripts/new-check.ts', '--help'], 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: npm run new-check/);
    for (const p of phases) for (const item of p.checklist) assert.ok(r.stdout.includes(item.id), item.id);
    assert.match(r.stdout, /bookingFlowMs \(ms\)/);
  });

  test('the CLI exits 2 with the message on bad input and writes nothing', async () => {
    const r = await run(
      'npx',
      [
        'tsx',
        'scripts/new-check.ts',
        '--phase',
        '3',
        '--kind',
        'api',
        '--title',
        'T',
        '--covers',
        'p9.nope',
        '--tests-dir',
        testsDir,
      ],
      60_000,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown checklist id "p9.nope"/);
    assert.doesNotMatch(r.stderr, /at .*new-check\.ts:\d+/, 'a usage error shows no stack trace');
    assert.equal(existsSync(path.join(work, 'tests', 'phase-3-resilience')), false);
  });

  test('generates a failing, tagged check that Playwright lists and runs red; never overwrites', async () => {
    const r = await run(
      'npx',
      [
        'tsx',
        'scripts/new-check.ts',
        '--phase',
        '3',
        '--kind',
        'api',
        '--title',
        "Breaker state is 'closed'",
        '--covers',
        'p3.circuit-breaker',
        '--critical',
        '--threshold',
        'apiP95Ms',
        '--tests-dir',
        testsDir,
      ],
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(work, 'tests', 'phase-3-resilience', 'breaker-state-is-closed.api.spec.ts');
    assert.match(r.stdout, /Wrote .*breaker-state-is-closed\.api\.spec\.ts/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /check\(\{ phase: 3, kind: 'api', covers: 'p3\.circuit-breaker', critical: true \}\)/);
    assert.match(text, /await measure\("Breaker state is 'closed'", value, 'apiP95Ms'\)/);
    assert.match(text, /This check is not written yet/);
    assert.match(text, /from '\.\.\/\.\.\/\.\.\/\.\.\/fixtures\/index\.ts'/);

    // A second check of another kind, several checklist ids, no threshold.
    const e2e = await writeCheck(
      {
        ...parseOptions([
          '--phase',
          '1',
          '--kind',
          'e2e',
          '--title',
          'Dashboard shows today',
          '--covers',
          'p1.login-page,p1.appointment-form',
          '--subject',
          'dashboard-today',
        ]),
        testsDir,
      },
      root,
    );
    assert.match(readFileSync(e2e, 'utf8'), /covers: \['p1\.login-page', 'p1\.appointment-form'\]/);

    // Never overwritten: a second run is refused and the file stays as it was.
    writeFileSync(file, `${text}// edited by QA\n`);
    await assert.rejects(
      writeCheck(
        {
          ...parseOptions([
            '--phase',
            '3',
            '--kind',
            'api',
            '--title',
            'Another',
            '--covers',
            'p3.circuit-breaker',
            '--subject',
            'breaker-state-is-closed',
          ]),
          testsDir,
        },
        root,
      ),
      /already exists; choose another --subject \(nothing was written\)/,
    );
    assert.match(readFileSync(file, 'utf8'), /edited by QA/);

    // Compiles under the project's own strict settings.
    writeFileSync(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: ['tests/**/*.ts'], exclude: [] }),
    );
    const tsc = await run('npx', ['tsc', '--noEmit', '-p', path.join(work, 'tsconfig.json')], 120_000);
    assert.equal(tsc.code, 0, `${tsc.stdout}\n${tsc.stderr}`);

    const config = path.join(work, 'playwright.config.ts');
    const list = await run('npx', ['playwright', 'test', '-c', config, '--list', '--reporter=json'], 120_000);
    assert.equal(list.code, 0, list.stderr);
    const listed = specsOf(jsonReport(list));
    const api = listed.find((s) => s.title === "Breaker state is 'closed'");
    assert.ok(api, `not listed:\n${list.stdout}`);
    assert.deepEqual(atTags(api.tags), [
      '@phase3',
      '@phase4',
      '@phase5',
      '@phase6',
      '@phase7',
      '@phase8',
      '@api',
      '@critical',
    ]);
    assert.deepEqual(
      api.tests.map((t) => t.projectName),
      ['api'],
    );
    const ui = listed.find((s) => s.title === 'Dashboard shows today');
    assert.ok(ui);
    assert.deepEqual(atTags(ui.tags), [
      '@phase1',
      '@phase2',
      '@phase3',
      '@phase4',
      '@phase5',
      '@phase6',
      '@phase7',
      '@phase8',
      '@e2e',
    ]);
    assert.deepEqual(
      ui.tests.map((t) => t.projectName),
      ['e2e'],
    );

    // Run: the placeholder fails (no target needed for the API check's skeleton).
    const dbName = `phasegate_t_${randomBytes(4).toString('hex')}`;
    const ran = await run(
      'npx',
      ['playwright', 'test', '-c', config, '--project', 'api', '--reporter=json'],
      120_000,
      {
        DATABASE_URL: testServices().databaseUrl(dbName),
        REDIS_PREFIX: `t${randomBytes(3).toString('hex')}_database_`,
      },
    );
    assert.equal(ran.code, 1, `expected a failing run:\n${ran.stdout}\n${ran.stderr}`);
    const result = specsOf(jsonReport(ran)).find((s) => s.title === "Breaker state is 'closed'")?.tests[0]
      ?.results[0];
    assert.equal(result?.status, 'failed');
    assert.match(result?.errors[0]?.message ?? '', /This check is not written yet: write its probe in/);
  });
});
