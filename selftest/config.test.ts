// config/env.ts, the suite's only reader of the environment: defaults are the sandbox's, empty
// values count as missing, every problem is reported at once without a secret's value, setup's
// services file is layered only in sandbox mode, and every setting is documented.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  loadEnv,
  redact,
  SANDBOX_CREDENTIALS,
  SERVICES_ENV_FILE,
  SETTING_NAMES,
} from '../config/env.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'phasegate-config-test-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

let dirs = 0;
/** A fresh project folder, optionally with a `.env` and a services file. */
function project(files: { env?: string; services?: string } = {}): string {
  const dir = path.join(tmpRoot, `p${++dirs}`);
  mkdirSync(dir, { recursive: true });
  if (files.env !== undefined) writeFileSync(path.join(dir, '.env'), files.env);
  if (files.services !== undefined) {
    mkdirSync(path.dirname(path.join(dir, SERVICES_ENV_FILE)), { recursive: true });
    writeFileSync(path.join(dir, SERVICES_ENV_FILE), files.services);
  }
  return dir;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

// Distinctive, so a leak cannot be a coincidence.
const DB_PASSWORD = 'Pg-Leak-Canary-61f2a';
const API_KEY = 'cal_live_Leak_Canary_8c3d';
const WEBHOOK_SECRET = 'whsec-Leak-Canary-47be';
const LOGIN_PASSWORD = 'Login-Leak-Canary-9d0e';
const SLACK_PATH = 'T000/B000/SlackLeakCanary93';
const SMTP_PASSWORD = 'Smtp-Leak-Canary-25cf';

describe('defaults', () => {
  test('with nothing set, the target is the sandbox with its contract values', () => {
    const e = loadEnv({}, project());
    assert.equal(e.sandbox, true);
    assert.equal(e.targetUrl, 'http://127.0.0.1:8000');
    assert.equal(e.calcomApiUrl, 'http://127.0.0.1:8001');
    assert.equal(e.CALCOM_API_KEY, SANDBOX_CREDENTIALS.CALCOM_API_KEY);
    assert.equal(e.LOGIN_EMAIL, SANDBOX_CREDENTIALS.LOGIN_EMAIL);
    assert.equal(e.LOGIN_PASSWORD, SANDBOX_CREDENTIALS.LOGIN_PASSWORD);
    assert.deepEqual(e.SANDBOX_FAULTS, []);
    assert.equal(e.CI, false);
  });

  test("each default equals the value sandbox/README.md's contract table gives", () => {
    // The suite may not import the sandbox; its README is the contract both sides follow.
    const readme = readFileSync(path.join(REPO, 'sandbox', 'README.md'), 'utf8');
    const contract = new Map<string, string>();
    for (const m of readme.matchAll(/^\| `(SANDBOX_[A-Z_]+)` \| `?([^`|]+?)`? \|/gm))
      contract.set(m[1]!, m[2]!.trim());
    const e = loadEnv({}, project());
    const pairs: [string, string][] = [
      ['SANDBOX_PORT', String(e.SANDBOX_PORT)],
      ['SANDBOX_CALCOM_PORT', String(e.SANDBOX_CALCOM_PORT)],
      ['SANDBOX_DATABASE_URL', e.DATABASE_URL],
      ['SANDBOX_REDIS_URL', e.REDIS_URL],
      ['SANDBOX_REDIS_PREFIX', e.REDIS_PREFIX],
      ['SANDBOX_CACHE_PREFIX', e.CACHE_PREFIX],
      ['SANDBOX_QUEUE', e.QUEUE_NAME],
      ['SANDBOX_LOG_PATH', e.APP_LOG_PATH ?? ''],
      ['SANDBOX_CALCOM_API_KEY', e.CALCOM_API_KEY ?? ''],
      ['SANDBOX_WEBHOOK_SECRET', e.CALCOM_WEBHOOK_SECRET ?? ''],
    ];
    for (const [name, ours] of pairs) {
      assert.ok(contract.has(name), `sandbox/README.md no longer lists ${name}`);
      assert.equal(ours, contract.get(name), `default for ${name}`);
    }
  });

  test('empty strings count as missing, and never hide a lower layer', () => {
    const e = loadEnv(
      { SANDBOX_PORT: '', DATABASE_URL: '   ', TARGET_URL: '', CALCOM_API_KEY: '' },
      project(),
    );
    assert.equal(e.SANDBOX_PORT, 8000);
    assert.equal(e.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/phasegate_sandbox');
    assert.equal(e.sandbox, true);
    assert.equal(e.CALCOM_API_KEY, SANDBOX_CREDENTIALS.CALCOM_API_KEY);
    const dotenv = project({ env: 'SANDBOX_PORT=8123\nREDIS_PREFIX=app_database_\n' });
    const layered = loadEnv({ SANDBOX_PORT: '', REDIS_PREFIX: '' }, dotenv);
    assert.equal(layered.SANDBOX_PORT, 8123);
    assert.equal(layered.REDIS_PREFIX, 'app_database_');
  });

  test('a default of none reads as unset, exactly as a none written by hand', () => {
    // HORIZON_STATS_PATH defaults to none: the Horizon check must skip, not GET a path "none".
    const unset = loadEnv({}, project());
    const written = loadEnv({ HORIZON_STATS_PATH: 'none' }, project());
    assert.equal(written.HORIZON_STATS_PATH, undefined);
    assert.equal(unset.HORIZON_STATS_PATH, undefined);
  });

  test('the environment wins over .env', () => {
    const e = loadEnv({ SANDBOX_PORT: '8124' }, project({ env: 'SANDBOX_PORT=8123\n' }));
    assert.equal(e.SANDBOX_PORT, 8124);
  });
});

describe('problems', () => {
  test('every bad variable is reported at once, one line each, schema and cross-field together', () => {
    const err = configError(() =>
      loadEnv(
        {
          SANDBOX_PORT: 'eighty',
          HTTP_TIMEOUT_MS: '5',
          DEPLOYMENT_PHASE: '9',
          APP_LOG_DAILY: 'maybe',
          DB_TABLE_USERS: 'users; drop table x',
          TARGET_URL: 'http://app.internal',
          CALCOM_API_URL: 'http://cal.internal',
          SMTP_URL: 'smtp://mail.internal',
        },
        project(),
      ),
    );
    const names = err.problems.map((p) => p.slice(0, p.indexOf(':'))).sort();
    assert.deepEqual(names, [
      'APP_LOG_DAILY',
      'CALCOM_API_KEY',
      'DB_TABLE_USERS',
      'DEPLOYMENT_PHASE',
      'HTTP_TIMEOUT_MS',
      'NOTIFY_EMAIL_TO',
      'SANDBOX_PORT',
    ]);
    const lines = err.message.split('\n');
    assert.equal(lines[0], 'phasegate: invalid configuration');
    assert.equal(lines.length, 1 + names.length);
    for (const line of lines.slice(1)) assert.match(line, /^ {2}- [A-Z_]+: \S/);
  });

  test("no message ever contains a secret's value", () => {
    const err = configError(() =>
      loadEnv(
        {
          TARGET_URL: 'http://app.internal',
          DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal:notaport/app`,
          REDIS_URL: `http://:${DB_PASSWORD}@cache.internal:6379`,
          CALCOM_API_URL: `ftp://cal.internal/${API_KEY}`,
          CALCOM_API_KEY: API_KEY,
          CALCOM_WEBHOOK_SECRET: WEBHOOK_SECRET,
          LOGIN_PASSWORD,
          SLACK_WEBHOOK_URL: `ftp://hooks.internal/${SLACK_PATH}`,
          SMTP_URL: `imap://mailer:${SMTP_PASSWORD}@mail.internal`,
          SANDBOX_PORT: API_KEY,
          HTTP_TIMEOUT_MS: WEBHOOK_SECRET,
        },
        project(),
      ),
    );
    assert.ok(err.problems.length >= 7, err.message);
    for (const secret of [DB_PASSWORD, API_KEY, WEBHOOK_SECRET, LOGIN_PASSWORD, SLACK_PATH, SMTP_PASSWORD]) {
      assert.ok(!err.message.includes(secret), `the message leaks ${secret}:\n${err.message}`);
    }
  });

  test('a real target with a Cal.com API URL needs CALCOM_API_KEY; the sandbox does not', () => {
    const err = configError(() =>
      loadEnv({ TARGET_URL: 'https://clinic.example', CALCOM_API_URL: 'https://cal.example' }, project()),
    );
    assert.deepEqual(
      err.problems.map((p) => p.split(':')[0]),
      ['CALCOM_API_KEY'],
    );
    const ok = loadEnv(
      {
        TARGET_URL: 'https://clinic.example',
        CALCOM_API_URL: 'https://cal.example',
        CALCOM_API_KEY: API_KEY,
      },
      project(),
    );
    assert.equal(ok.calcomApiUrl, 'https://cal.example');
    assert.equal(ok.sandbox, false);
    // Against a real target the sandbox's credentials are never filled in.
    assert.equal(ok.LOGIN_PASSWORD, undefined);
    assert.equal(ok.CALCOM_WEBHOOK_SECRET, undefined);
    const noCal = loadEnv({ TARGET_URL: 'https://clinic.example/' }, project());
    assert.equal(noCal.calcomApiUrl, undefined);
    assert.equal(noCal.targetUrl, 'https://clinic.example');
    const sandbox = loadEnv({ CALCOM_API_URL: 'http://127.0.0.1:9001' }, project());
    assert.equal(sandbox.CALCOM_API_KEY, SANDBOX_CREDENTIALS.CALCOM_API_KEY);
  });

  test('APP_LOG_PATH=none: a real target whose log this machine cannot read starts, the log unset', () => {
    const target = { TARGET_URL: 'https://clinic.example' };
    const missing = configError(() =>
      loadEnv({ ...target, APP_LOG_PATH: '/nonexistent/laravel.log' }, project(), { runFiles: true }),
    );
    assert.deepEqual(
      missing.problems.map((p) => p.split(':')[0]),
      ['APP_LOG_PATH'],
    );
    const none = loadEnv({ ...target, APP_LOG_PATH: 'none' }, project(), { runFiles: true });
    assert.equal(none.APP_LOG_PATH, undefined);
  });
});

describe('redact', () => {
  test('removes every secret, its URL-encoded form and any URL password', () => {
    const e = loadEnv(
      {
        TARGET_URL: 'https://clinic.example',
        DATABASE_URL: `postgres://app:${encodeURIComponent('p@ss/' + DB_PASSWORD)}@db.internal:5432/app`,
        CALCOM_API_URL: 'https://cal.example',
        CALCOM_API_KEY: API_KEY,
        CALCOM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        LOGIN_PASSWORD: `${LOGIN_PASSWORD} &=`,
        SLACK_WEBHOOK_URL: `https://hooks.example/services/${SLACK_PATH}`,
      },
      project(),
    );
    const text = [
      `Authorization: Bearer ${API_KEY}`,
      `signed with ${WEBHOOK_SECRET}`,
      `password=${encodeURIComponent(`${LOGIN_PASSWORD} &=`)} and ${LOGIN_PASSWORD} &=`,
      `connect failed: p@ss/${DB_PASSWORD} at ${e.DATABASE_URL}`,
      `posted to https://hooks.example/services/${SLACK_PATH}`,
      'redis://default:SomeOtherPassword77@cache.internal:6379 refused',
    ].join('\n');
    const out = redact(text, e.secrets);
    for (const leak of [
      API_KEY,
      WEBHOOK_SECRET,
      LOGIN_PASSWORD,
      DB_PASSWORD,
      SLACK_PATH,
      'SomeOtherPassword77',
    ]) {
      assert.ok(!out.includes(leak), `redact left ${leak}:\n${out}`);
    }
    assert.match(out, /Bearer \*\*\*/);
    assert.match(out, /redis:\/\/default:\*\*\*@cache\.internal/);
    assert.match(out, /db\.internal:5432\/app/, 'the rest of the text stays readable');
  });

  test('leaves text without secrets untouched', () => {
    const e = loadEnv({}, project());
    const text = 'GET /api/health 200 in 12 ms; postgres://postgres@127.0.0.1:5432/phasegate_sandbox';
    assert.equal(redact(text, e.secrets), text);
  });
});

describe("setup's services file", () => {
  const services =
    'DATABASE_URL=postgres://postgres@127.0.0.1:45001/phasegate_sandbox\nREDIS_URL=redis://127.0.0.1:45002/0\n';

  test('is layered beneath .env and the environment when TARGET_URL is unset', () => {
    const dir = project({ services });
    const e = loadEnv({}, dir);
    assert.equal(e.DATABASE_URL, 'postgres://postgres@127.0.0.1:45001/phasegate_sandbox');
    assert.equal(e.REDIS_URL, 'redis://127.0.0.1:45002/0');
    const withDotenv = project({ services, env: 'REDIS_URL=redis://127.0.0.1:6390/1\n' });
    assert.equal(loadEnv({}, withDotenv).REDIS_URL, 'redis://127.0.0.1:6390/1');
    assert.equal(
      loadEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5999/x' }, dir).DATABASE_URL,
      'postgres://postgres@127.0.0.1:5999/x',
    );
  });

  test('is ignored against a real target, and when the caller asks', () => {
    const dir = project({ services });
    const real = loadEnv({ TARGET_URL: 'https://clinic.example' }, dir);
    assert.equal(real.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/phasegate_sandbox');
    assert.equal(real.REDIS_URL, 'redis://127.0.0.1:6379/0');
    const viaDotenv = loadEnv({}, project({ services, env: 'TARGET_URL=https://clinic.example\n' }));
    assert.equal(viaDotenv.REDIS_URL, 'redis://127.0.0.1:6379/0');
    assert.equal(loadEnv({}, dir, { services: false }).REDIS_URL, 'redis://127.0.0.1:6379/0');
  });
});

describe('documentation', () => {
  test('.env.example lists every setting, and nothing that is not one', () => {
    const example = readFileSync(path.join(REPO, '.env.example'), 'utf8');
    const listed = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    for (const name of SETTING_NAMES) assert.ok(listed.includes(name), `.env.example lacks ${name}`);
    for (const name of listed) assert.ok(SETTING_NAMES.includes(name), `.env.example lists unknown ${name}`);
    // Secrets are left empty in the example.
    for (const secret of ['CALCOM_API_KEY', 'CALCOM_WEBHOOK_SECRET', 'LOGIN_PASSWORD', 'SLACK_WEBHOOK_URL']) {
      assert.match(example, new RegExp(`^#? ?${secret}=$`, 'm'), `${secret} must be empty in .env.example`);
    }
  });

  test("README's configuration table lists every setting", () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    // Only the Configuration section: other sections have tables of their own (statuses, say).
    const start = readme.indexOf('\n## Configuration');
    assert.ok(start >= 0, 'README has no "## Configuration" section');
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    const rows = new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!));
    for (const name of SETTING_NAMES) assert.ok(rows.has(name), `README's table lacks ${name}`);
    for (const name of rows) assert.ok(SETTING_NAMES.includes(name), `README's table lists unknown ${name}`);
  });
});

describe('playwright.config.ts', () => {
  test('a bad setting stops the run with one line per variable, no stack trace, no secret', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SANDBOX_PORT: 'not-a-port',
      HTTP_TIMEOUT_MS: '1',
      DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal:badport/app`,
      SLACK_WEBHOOK_URL: `ftp://hooks.internal/${SLACK_PATH}`,
    };
    const child = spawn('npx', ['--no-install', 'playwright', 'test', '--list'], { cwd: REPO, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`playwright test --list did not exit within 60 s:\n${out}`));
      }, 60_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 2, out);
    assert.match(out, /phasegate: invalid configuration/);
    for (const name of ['SANDBOX_PORT', 'HTTP_TIMEOUT_MS', 'DATABASE_URL', 'SLACK_WEBHOOK_URL']) {
      assert.equal(
        out.match(new RegExp(`^ {2}- ${name}: `, 'gm'))?.length,
        1,
        `one line for ${name}:\n${out}`,
      );
    }
    assert.doesNotMatch(out, /^\s+at /m, `no stack trace:\n${out}`);
    assert.ok(!out.includes(DB_PASSWORD) && !out.includes(SLACK_PATH), `no secret:\n${out}`);
  });
});
