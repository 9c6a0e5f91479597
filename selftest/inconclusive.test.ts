// INCONCLUSIVE (issue 12): a run the checker could not verify is never a rollback. Three runs of
// the real phase-1 suite through scripts/post-deployment-check.sh, against a healthy sandbox
// treated as a real target, no browser launched in either:
// 1. the checker's Chromium is not executable and its database password is wrong while the
//    application's health reports its database up → INCONCLUSIVE, STATUS=ERROR, exit 3, one
//    cause line per cause, the deployment.log block and the sign-off never counting it;
// 2. the checker's proxy refuses the tunnel to Cal.com → the Cal.com checks INCONCLUSIVE, none red;
// 3. the target is down as well as the browser missing → FAIL/ROLLBACK, exit 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { phases } from '../phases/catalogue.ts';
import { evaluateFinal } from '../reporters/signoff.ts';
import { readHistory } from '../reporters/write.ts';
import { closedPort } from './helpers/fake-servers.ts';
import { OUT_ROOT, targetEnv } from './helpers/robustness-cases.ts';
import { postgresWrongPassword } from './helpers/robustness-faults.ts';
import { REPO, baseEnv, parseStatusEnv, reportDirs } from './helpers/robustness-run.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

interface ScriptRun {
  code: number | null;
  output: string;
  storage: string;
  dir: string;
  status: Record<string, string>;
  summary: string;
}

/** `DEPLOYMENT_PHASE=1 bash scripts/post-deployment-check.sh` in a folder of its own. */
async function checkScript(root: string, env: Record<string, string>): Promise<ScriptRun> {
  const out = mkdtempSync(path.join(root, 'run-'));
  const storage = path.join(out, 'storage');
  const child = spawn(
    'bash',
    ['scripts/post-deployment-check.sh', '--workers', '2', '--output', path.join(out, 'test-results')],
    {
      cwd: REPO,
      env: {
        ...baseEnv(),
        ...env,
        DEPLOYMENT_PHASE: '1',
        STORAGE_DIR: storage,
        PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(out, 'playwright-report'),
        PLAYWRIGHT_HTML_OPEN: 'never',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const dir = reportDirs(storage)[0] ?? '';
  const read = (f: string) => (dir ? readFileSync(path.join(dir, f), 'utf8') : '');
  return {
    code,
    output,
    storage,
    dir,
    status: parseStatusEnv(read('status.env')),
    summary: read('summary.txt'),
  };
}

/** The workflow's "Gate on status.env" step, as bash runs it in CI. */
function gateScript(): string {
  const yml = readFileSync(path.join(REPO, '.github/workflows/post-deploy.yml'), 'utf8');
  const m = /- name: Gate on status\.env\n\s+run: \|\n((?:\s{10}.*\n?)+)/.exec(yml);
  assert.ok(m?.[1], 'the workflow has no "Gate on status.env" step');
  return m[1].replace(/^ {10}/gm, '');
}

/** Runs the gate where `storage/` is the run's storage folder; returns its exit code. */
async function gate(storage: string): Promise<number | null> {
  const child = spawn('bash', ['-c', gateScript()], { cwd: path.dirname(storage), stdio: 'ignore' });
  return new Promise((resolve) => child.once('close', resolve));
}

const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

describe('INCONCLUSIVE: the checker could not verify', { concurrency: 1 }, () => {
  const root = path.join(OUT_ROOT, `inconclusive-${process.pid}-${Date.now()}`);
  let sandbox: TestSandbox | undefined;
  const closers: (() => Promise<void>)[] = [];
  let notExecutable = '';

  before(async () => {
    mkdirSync(root, { recursive: true });
    notExecutable = path.join(root, 'chromium');
    writeFileSync(notExecutable, '#!/bin/sh\nexit 1\n');
    chmodSync(notExecutable, 0o644);
    sandbox = await startTestSandbox();
  });
  after(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await sandbox?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('no browser and the checker’s own database password wrong, app healthy → INCONCLUSIVE, exit 3, never ROLLBACK', async () => {
    assert.ok(sandbox, 'the sandbox did not start');
    const wrong = await postgresWrongPassword(sandbox);
    closers.push(wrong.close);
    const r = await checkScript(root, {
      ...targetEnv(sandbox),
      ...wrong.fault.env,
      CHROMIUM_PATH: notExecutable,
    });
    const why = `\n${r.summary}\n--- output ---\n${r.output.slice(-6000)}`;
    assert.equal(r.code, 3, `the post-deployment check exits 3 on ERROR${why}`);
    assert.equal(await gate(r.storage), 3, 'the workflow gate exits 3 on ERROR');
    assert.equal(r.status.STATUS, 'ERROR', why);
    assert.equal(r.status.RECOMMENDATION, 'INCONCLUSIVE', why);
    assert.equal(r.status.FAILED, '0', why);
    assert.equal(r.status.CRITICAL_FAILURES, '0', why);
    const total = Number(r.status.TOTAL);
    const inconclusive = Number(r.status.INCONCLUSIVE);
    assert.equal(Number(r.status.PASSED) + inconclusive + Number(r.status.SKIPPED), total, why);

    // One line per cause, the checks listed under it; counts exact.
    const browserChecks = count(
      r.summary,
      /^❔ (Login page|Appointment form|No JavaScript console errors).*: INCONCLUSIVE — Chromium not executable/,
    );
    assert.equal(browserChecks, 3, why);
    const head = r.summary
      .split('\n')
      .filter((l) => /^❔ \d+ browser checks INCONCLUSIVE, one cause: Chromium not executable at /.test(l));
    assert.equal(head.length, 1, why);
    assert.match(head[0] ?? '', /^❔ 3 browser checks .* — fix: set CHROMIUM_PATH/);
    assert.match(
      r.summary,
      /^❔ \d+ (API )?checks? INCONCLUSIVE, one cause: the checker cannot use the database .*password authentication failed.*\(evidence: the application's \/api\/health\/detailed reports its database up\)/m,
      why,
    );
    assert.match(
      r.summary,
      /^❔ Database connectivity: INCONCLUSIVE — the checker cannot use the database/m,
      why,
    );
    assert.match(r.summary, /^❔ \d+ checks inconclusive \(the checker could not verify\)$/m, why);
    assert.match(
      r.summary,
      /^Result: INCONCLUSIVE - could not verify Phase 1: .*; fix the runner and re-run; do not roll back on this result/m,
      why,
    );
    assert.doesNotMatch(r.summary + r.output, /ROLLBACK/, why);
    assert.equal(count(r.summary, /^❌/), 0, `nothing is red${why}`);

    // The console: the preflight says each problem once, with its fix; no launch stack traces.
    assert.equal(
      count(r.output, /^phasegate preflight: browser checks will be INCONCLUSIVE: Chromium not executable/),
      1,
      why,
    );
    assert.equal(count(r.output, /^phasegate preflight: database checks will be INCONCLUSIVE/), 1, why);
    assert.doesNotMatch(r.output, /browserType\.launch/, why);
    // …and the report says them too, once each.
    assert.equal(count(r.summary, /^⚠️ phasegate preflight: browser checks will be INCONCLUSIVE/), 1, why);
    assert.match(
      readFileSync(path.join(r.dir, 'INDEX.md'), 'utf8'),
      /## Preflight \(before the first check\)\n\n- ⚠️ phasegate preflight: /,
    );
    assert.ok(!r.output.includes(String(wrong.secrets[0])), 'the wrong password leaked');

    // deployment.log: its own block, never VERIFIED, never a rollback; the sign-off never counts it.
    const log = readFileSync(path.join(r.storage, 'deployment.log'), 'utf8');
    assert.match(log, /Status: ❔ INCONCLUSIVE \(not verified\)/);
    assert.match(log, /Rollback Plan: none - do not roll back on this result/);
    assert.doesNotMatch(log, /✅ VERIFIED|Rollback Procedure/);
    const final = evaluateFinal(readHistory(r.storage), phases);
    assert.equal(final.phases[0]?.verified, false);
    assert.match(final.problems.join('\n'), /Phase 1 \(Hotfixes\): INCONCLUSIVE/);
  });

  test('the checker’s proxy refuses the tunnel to Cal.com → its checks INCONCLUSIVE, never FAIL', async () => {
    assert.ok(sandbox, 'the sandbox did not start');
    const env = targetEnv(sandbox);
    const calcom = new URL(env.CALCOM_API_URL ?? '');
    const deadProxy = await closedPort();
    const r = await checkScript(root, {
      ...env,
      // Reached only through the proxy: the name resolves nowhere else (selftest/proxy.test.ts).
      CALCOM_API_URL: `http://calcom.phasegate.invalid:${calcom.port}`,
      HTTP_PROXY: `http://relay:Proxy-Pw-5521@127.0.0.1:${deadProxy}`,
      CHROMIUM_PATH: notExecutable,
    });
    const why = `\n${r.summary}\n--- output ---\n${r.output.slice(-6000)}`;
    assert.equal(r.code, 3, `the post-deployment check exits 3 on ERROR${why}`);
    assert.equal(r.status.RECOMMENDATION, 'INCONCLUSIVE', why);
    assert.equal(r.status.FAILED, '0', why);
    assert.match(
      r.summary,
      new RegExp(
        `^❔ Cal\\.com API reachable: INCONCLUSIVE — the checker cannot reach its proxy 127\\.0\\.0\\.1:${deadProxy} for Cal\\.com: ECONNREFUSED`,
        'm',
      ),
      why,
    );
    assert.equal(
      count(r.output, /^phasegate preflight: Cal\.com checks will be INCONCLUSIVE: .*fix: check HTTPS_PROXY/),
      1,
      why,
    );
    assert.doesNotMatch(r.summary + r.output, /ROLLBACK/, why);
    assert.ok(!(r.summary + r.output).includes('Proxy-Pw-5521'), 'the proxy password leaked');
  });

  test('the target down and no browser → ROLLBACK, exit 1 (a real failure wins)', async () => {
    assert.ok(sandbox, 'the sandbox did not start');
    const r = await checkScript(root, {
      ...targetEnv(sandbox),
      TARGET_URL: `http://127.0.0.1:${await closedPort()}`,
      CHROMIUM_PATH: path.join(root, 'no-such-chromium'),
    });
    const why = `\n${r.summary}\n--- output ---\n${r.output.slice(-6000)}`;
    assert.equal(r.code, 1, why);
    assert.equal(await gate(r.storage), 1, 'the workflow gate exits 1 on FAIL');
    assert.equal(r.status.STATUS, 'FAIL', why);
    assert.equal(r.status.RECOMMENDATION, 'ROLLBACK', why);
    assert.ok(Number(r.status.INCONCLUSIVE) >= 3, why);
    assert.match(r.summary, /^❌ API health.*: FAIL — /m, why);
    assert.match(r.summary, /^❔ 3 browser checks INCONCLUSIVE, one cause: Chromium not found at /m, why);
    assert.match(r.summary, /^Result: ROLLBACK - critical check failed, revert Phase 1/m, why);
    assert.match(r.output, /^phasegate preflight: the target .*: it is not reachable \(ECONNREFUSED\)/m, why);
    assert.match(r.summary, /^⚠️ phasegate preflight: the target .*: it is not reachable/m, why);
  });
});
