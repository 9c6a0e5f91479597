// Quoting of list settings (config/env.ts splitList): spaces inside entries, entries holding a
// comma in double quotes, and how both survive a `.env` file read by dotenv.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadEnv, splitList } from '../config/env.ts';

describe('splitList', () => {
  test('commas separate; spaces inside an entry stay, around it go; empty entries drop', () => {
    assert.deepEqual(splitList(' GET /api/health 200 , GET /login 200|302,,'), [
      'GET /api/health 200',
      'GET /login 200|302',
    ]);
    assert.deepEqual(splitList(''), []);
  });
  test('an entry in double quotes holds commas, spaces at its ends and doubled quotes', () => {
    assert.deepEqual(splitList('/docs, "/api/items?fields=id,name" ,"  padded  ","say ""hi"""'), [
      '/docs',
      '/api/items?fields=id,name',
      '  padded  ',
      'say "hi"',
    ]);
  });
  test('broken quoting is refused with what was expected', () => {
    assert.throws(() => splitList('/docs,"/api?a=1,b'), /expected a closing " after "\/api\?a=1,b/);
    assert.throws(() => splitList('"/a"/b,/c'), /expected a comma after the quoted entry "\/a"/);
    assert.throws(() => splitList('/a,say "hi"'), /expected an entry with a " to be quoted as a whole/);
  });
});

describe('list settings from the environment and from .env', () => {
  test('API_ENDPOINTS with spaces, unquoted or quoted in .env; a comma inside quotes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phasegate-lists-'));
    try {
      writeFileSync(
        path.join(dir, '.env'),
        [
          'API_ENDPOINTS=GET /up 200,GET /login 200',
          'DASHBOARD_URLS="/horizon/dashboard, /telescope/requests"',
          // dotenv strips the outer single quotes and keeps the double ones for splitList.
          `DOC_LINKS='/docs,"/api/items?fields=id,name"'`,
          '',
        ].join('\n'),
      );
      const e = loadEnv({}, dir, { services: false });
      assert.deepEqual(e.API_ENDPOINTS, ['GET /up 200', 'GET /login 200']);
      assert.deepEqual(e.DASHBOARD_URLS, ['/horizon/dashboard', '/telescope/requests']);
      assert.deepEqual(e.DOC_LINKS, ['/docs', '/api/items?fields=id,name']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('a broken list is a ConfigError naming the setting, and none is an empty mapping list', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phasegate-lists-'));
    try {
      assert.throws(
        () => loadEnv({ DOC_LINKS: '/docs,"/api' }, dir, { services: false }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.length === 1 &&
          /^DOC_LINKS: expected a closing "/.test(err.problems[0]!),
      );
      assert.deepEqual(
        loadEnv({ HEALTH_DOWN_VALUES: 'none' }, dir, { services: false }).HEALTH_DOWN_VALUES,
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
