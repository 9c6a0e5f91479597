// The preflight's decisions (fixtures/preflight.ts), pure or on a temp folder: whose fault a
// problem is, and which runs need a browser at all. No server, no browser: milliseconds.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  browserProblem,
  DATABASE,
  CACHE,
  dependencyProblem,
  executableProblem,
  problemLine,
  reportedState,
  runsBrowserChecks,
  storageProblem,
} from '../fixtures/preflight.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'phasegate-preflight-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('preflight', () => {
  test('the browser: missing, not executable, or fine — checked without launching it', () => {
    const exe = path.join(tmp, 'chromium');
    assert.equal(executableProblem(exe), 'not found');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o644);
    assert.equal(executableProblem(exe), 'not executable');
    chmodSync(exe, 0o755);
    assert.equal(executableProblem(exe), null);
    const p = browserProblem('/opt/x', 'CHROMIUM_PATH', 'not found');
    assert.equal(p?.text, 'Chromium not found at /opt/x');
    assert.equal(p?.fault, 'checker');
    assert.match(p?.fix ?? '', /CHROMIUM_PATH/);
    assert.match(
      problemLine(p!),
      /^phasegate preflight: browser checks will be INCONCLUSIVE: Chromium not found at \/opt\/x — fix: /,
    );
    assert.match(browserProblem(undefined, 'none', null)?.fix ?? '', /npm run setup/);
    assert.equal(browserProblem(undefined, 'playwright', null), null);
  });

  test('only runs with browser checks need a browser', () => {
    assert.equal(runsBrowserChecks(['test']), true);
    assert.equal(runsBrowserChecks(['test', '--project', 'api']), false);
    assert.equal(runsBrowserChecks(['test', '--project=api', '--grep', '@phase1\\b']), false);
    assert.equal(runsBrowserChecks(['test', '--project', 'api', '--project', 'e2e']), true);
    assert.equal(runsBrowserChecks(['test', '--grep', '@api\\b']), false);
    assert.equal(runsBrowserChecks(['test', '--grep', '@phase3\\b']), true);
  });

  test('a refused database or cache is the checker’s fault only when the application reports it up', () => {
    const health = { status: 'ok', checks: { database: { status: 'ok' }, cache: { status: 'down' } } };
    assert.equal(reportedState(health, 'database'), 'up');
    assert.equal(reportedState(health, 'cache'), 'down');
    assert.equal(reportedState(health, 'queue'), null);
    assert.equal(reportedState('<html>', 'database'), null);
    const o = {
      dependency: DATABASE,
      error: 'password authentication failed for user "x"',
      where: 'h:5432/db',
      healthPath: '/api/health/detailed',
    };
    const p = dependencyProblem({ ...o, appSays: 'up' });
    assert.equal(p?.fault, 'checker');
    assert.equal(p?.evidence, "the application's /api/health/detailed reports its database up");
    assert.equal(p?.error, o.error);
    assert.equal(dependencyProblem({ ...o, appSays: 'down' }), null, 'the app says down: the target’s news');
    assert.equal(dependencyProblem({ ...o, appSays: null }), null, 'nothing vouches for the database');
    assert.equal(dependencyProblem({ ...o, healthPath: undefined, appSays: 'up' }), null);
    const c = dependencyProblem({
      ...o,
      dependency: CACHE,
      error: 'WRONGPASS',
      where: 'h:6379',
      appSays: 'up',
    });
    assert.equal(c?.reaches, 'cache checks');
    assert.equal(c?.text, 'the checker cannot use the cache h:6379: WRONGPASS');
    assert.match(c?.fix ?? '', /REDIS_URL/);
  });

  test('storage that cannot be written is named with its path', () => {
    assert.equal(storageProblem(path.join(tmp, 'storage')), null);
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, '');
    const p = storageProblem(file);
    assert.match(p?.text ?? '', /^cannot write .*a-file\/reports: (ENOTDIR|EEXIST)/);
    assert.match(p?.fix ?? '', /STORAGE_DIR/);
  });
});
