// Secrets never leave the process (issue 5): a passing run and a failing run, each with
// distinctive values for every secret (database password, Redis password, CALCOM_API_KEY,
// CALCOM_WEBHOOK_SECRET, SLACK_WEBHOOK_URL, the SMTP password, LOGIN_PASSWORD), then every byte
// they wrote is searched: storage/ (reports, screenshots and their metadata, logs, history),
// Playwright's html report and test-results, its JSON, the console, and the notifications the
// Slack and SMTP receivers actually got. The failing run makes pg, ioredis, undici, Slack and
// SMTP fail on the secret-bearing settings, because their error messages are where URLs leak.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { allocateSandboxEnv, startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { fakeHttp, redisWithPassword, type FakeRedis, type FakeServer } from './helpers/fake-servers.ts';
import { passwordPostgres, type PasswordPostgres } from './helpers/fake-postgres.ts';
import { OUT_ROOT, SHORT_TIMEOUTS, targetEnv } from './helpers/robustness-cases.ts';
import { describeRun, filesUnder, reportDirs, runSuite, type SuiteRun } from './helpers/robustness-run.ts';

const tag = randomBytes(4).toString('hex');
/** Distinctive values: any of them found in any output is a leak. */
const SECRETS = {
  dbPassword: `PgPw${tag}Zq81`,
  redisPassword: `RdPw${tag}Kx42`,
  apiKey: `cal_live_${tag}Ak93secret`,
  webhookSecret: `whsec_${tag}Wb55`,
  slackToken: `SlackTok${tag}Sl07`,
  smtpPassword: `SmtpPw${tag}Mt66`,
  loginPassword: `LoginPw${tag}Lg28`,
};

const root = path.join(OUT_ROOT, `safety-secrets-${process.pid}`);
const cleanups: (() => Promise<unknown>)[] = [];
const slackBodies: string[] = [];
const mails: string[] = [];
let passing: SuiteRun;
let failing: SuiteRun;

/** A Slack incoming-webhook receiver; `echo` answers 500 quoting the request path (a trap). */
async function slackReceiver(echo: boolean): Promise<FakeServer> {
  const s = await fakeHttp((req, res, body) => {
    slackBodies.push(`${req.url}\n${body}`);
    if (echo) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`no_service for ${req.url}`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }
  });
  cleanups.push(() => s.close());
  return s;
}

/** A real SMTP server on loopback; `reject` refuses the login quoting the user name. */
async function smtpReceiver(reject: boolean): Promise<number> {
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (reject) return cb(new Error(`Invalid login for ${auth.username}`));
      cb(null, { user: auth.username });
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

function notifyEnv(slack: FakeServer, smtpPort: number): Record<string, string> {
  return {
    SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/${SECRETS.slackToken}`,
    SMTP_URL: `smtp://phasegate:${SECRETS.smtpPassword}@127.0.0.1:${smtpPort}`,
    NOTIFY_EMAIL_TO: 'release-manager@example.invalid',
    NOTIFY_ON: 'all',
    NOTIFY_TIMEOUT_MS: '3000',
  };
}

before(async () => {
  mkdirSync(root, { recursive: true });

  // The two runs are independent (their own sandboxes, receivers and folders): at once.
  await Promise.all([
    (async () => {
      // Passing: the suite's own webServer starts a sandbox that is configured with the same
      // distinctive secrets (so they are the right ones), on a Redis that demands a password.
      const redis: FakeRedis = await redisWithPassword(SECRETS.redisPassword);
      cleanups.push(() => redis.close());
      const alloc = await allocateSandboxEnv();
      cleanups.push(() => alloc.cleanup());
      const db = new URL(alloc.suiteEnv.DATABASE_URL ?? '');
      db.password = SECRETS.dbPassword; // the machine's Postgres trusts loopback: accepted, unused
      passing = await runSuite({
        env: {
          ...alloc.suiteEnv,
          DATABASE_URL: db.toString(),
          REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:${redis.port}/0`,
          CALCOM_API_KEY: SECRETS.apiKey,
          CALCOM_WEBHOOK_SECRET: SECRETS.webhookSecret,
          LOGIN_PASSWORD: SECRETS.loginPassword,
          ...SHORT_TIMEOUTS,
          ...notifyEnv(await slackReceiver(false), await smtpReceiver(false)),
        },
        outDir: path.join(root, 'passing'),
        deadlineMs: 240_000,
        html: true,
        args: ['--workers', '2'],
      });
    })(),
    (async () => {
      // Failing: a real target whose every secret-bearing dependency refuses the distinctive value.
      const sandbox: TestSandbox = await startTestSandbox();
      cleanups.push(() => sandbox.stop());
      const pg: PasswordPostgres = await passwordPostgres();
      cleanups.push(() => pg.close());
      const strictRedis: FakeRedis = await redisWithPassword(`not-${SECRETS.redisPassword.slice(0, 3)}`);
      cleanups.push(() => strictRedis.close());
      failing = await runSuite({
        env: {
          ...targetEnv(sandbox),
          DATABASE_URL: pg.wrongPasswordUrl(SECRETS.dbPassword),
          REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:${strictRedis.port}/0`,
          CALCOM_API_KEY: SECRETS.apiKey,
          CALCOM_WEBHOOK_SECRET: SECRETS.webhookSecret,
          LOGIN_PASSWORD: SECRETS.loginPassword,
          ...notifyEnv(await slackReceiver(true), await smtpReceiver(true)),
        },
        outDir: path.join(root, 'failing'),
        deadlineMs: 240_000,
        html: true,
        args: ['--workers', '2'],
      });
    })(),
  ]);
});

after(async () => {
  // Each clean-up bounded: a receiver or server that will not close must not hang the file.
  for (const c of cleanups.reverse()) {
    await Promise.race([c().catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
  }
  rmSync(root, { recursive: true, force: true });
});

/** Every form a secret takes in a file: as is, and URL-encoded. */
function needles(): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, v] of Object.entries(SECRETS)) {
    out.push([name, v]);
    if (encodeURIComponent(v) !== v) out.push([`${name} (url-encoded)`, encodeURIComponent(v)]);
  }
  return out;
}

function leaks(where: string, text: string): string[] {
  return needles()
    .filter(([, v]) => text.includes(v))
    .map(([name]) => `${name} in ${where}`);
}

function scanRun(run: SuiteRun): string[] {
  const found = leaks('the console', run.stdout + run.stderr);
  for (const f of filesUnder(run.outDir)) {
    found.push(...leaks(path.relative(run.outDir, f), readFileSync(f).toString('latin1')));
  }
  return found;
}

test('the passing run wrote its report and leaked no secret anywhere', () => {
  assert.ok(reportDirs(passing.storageDir).length === 1, `no report tree\n${describeRun(passing)}`);
  assert.ok(filesUnder(path.join(passing.outDir, 'playwright-report')).length > 0, 'html report written');
  assert.deepEqual(scanRun(passing), []);
});

test('the failing run (pg, Redis, Cal.com, login, Slack and SMTP all refusing) leaked no secret anywhere', () => {
  assert.equal(failing.exitCode, 1, describeRun(failing));
  assert.ok(reportDirs(failing.storageDir).length === 1, `no report tree\n${describeRun(failing)}`);
  const red = failing.results.filter((r) => r.status === 'failed');
  assert.ok(red.length >= 3, `the failing run must really fail on its dependencies\n${describeRun(failing)}`);
  assert.deepEqual(scanRun(failing), []);
});

test('notifications were sent and carry no secret', () => {
  assert.ok(slackBodies.length >= 1, 'the Slack receiver got the run messages');
  assert.ok(mails.length >= 1, 'the SMTP receiver got the passing run message');
  // The request path IS the Slack secret: only the bodies count here.
  const bodies = slackBodies.map((b) => b.slice(b.indexOf('\n') + 1));
  assert.deepEqual(leaks('a Slack message', bodies.join('\n')), []);
  assert.deepEqual(leaks('an e-mail', mails.join('\n')), []);
});
