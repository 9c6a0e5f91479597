// Notifications over real protocols on loopback: a Slack-style incoming-webhook receiver (HTTP)
// and an SMTP server (smtp-server + mailparser). Messages carry the rendered text and never a
// secret; a failing channel is reported and never changes the verdict; timeouts are short.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sendSlack } from '../reporters/notify.ts';
import { closedPort } from './helpers/fake-servers.ts';
import {
  REPO,
  configSource,
  createProject,
  expectCode,
  fromProject,
  read,
} from './helpers/inline-project.ts';

const TAGS = fromProject('fixtures/tags.ts');
const API_KEY = 'cal_live_n0tify_s3cret_77';
const HOOK_TOKEN = 'XoXoHookT0ken1234';

interface Mail {
  subject: string;
  text: string;
  to: string;
}

let slackStatus = 200;
const slack: { path: string; text: string }[] = [];
const mails: Mail[] = [];
let http: Server;
let smtp: SMTPServer;
let httpPort = 0;
let smtpPort = 0;

before(async () => {
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url?.startsWith('/hang')) return; // never answers: the sender's timeout must fire
      const parsed = JSON.parse(body) as { text: string };
      slack.push({ path: req.url ?? '', text: parsed.text });
      res
        .writeHead(slackStatus, { 'content-type': 'text/plain' })
        .end(slackStatus === 200 ? 'ok' : 'invalid_token');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          mails.push({ subject: m.subject ?? '', text: m.text ?? '', to: JSON.stringify(m.to) });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

after(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
});

/** Slack's text escaping undone, for comparing with the template text. */
const unslack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const spec = (failing: boolean) => `import { test, expect } from '@playwright/test';
import { check } from '${TAGS}';
test('API health', check({ phase: 1, kind: 'api', covers: 'p1.api-health' }), async () => { expect('ok').toBe('ok'); });
test('Cal.com API reachable', check({ phase: 1, kind: 'api', covers: 'p1.calcom-reachable' }), async () => {
  ${failing ? `throw new Error('Cal.com answered 401 for key ' + process.env.CALCOM_API_KEY);` : `expect(200).toBe(200);`}
});
`;

describe('notifications', { concurrency: 1 }, () => {
  const projects = [
    createProject('notify-fail'),
    createProject('notify-down'),
    createProject('notify-announce'),
  ];
  after(() => projects.forEach((p) => p.cleanup()));
  const settings = () => ({
    CALCOM_API_KEY: API_KEY,
    SLACK_WEBHOOK_URL: `http://127.0.0.1:${httpPort}/services/T0/B0/${HOOK_TOKEN}`,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    NOTIFY_EMAIL_TO: 'release-team@example.test',
    REPORT_LINK_BASE: 'https://ci.example.test/artifacts',
  });

  test('a failed run reaches Slack and e-mail with the failure message, no secret', async () => {
    const p = projects[0]!;
    p.write({ 'playwright.config.ts': configSource(), 'x.spec.ts': spec(true) });
    slack.length = 0;
    mails.length = 0;
    const r = await p.test([], settings());
    expectCode(r, 1, 'failing run');
    assert.equal(slack.length, 1, r.output);
    assert.equal(mails.length, 1, r.output);
    const text = unslack(slack[0]!.text);
    assert.match(text, /^⚠️ Phase 1 Deployment - FIX & RETEST\n/);
    assert.match(text, /Tests failed: 1\/2 ❌/);
    assert.match(text, /Error: Cal\.com API reachable: Cal\.com answered 401 for key \*\*\*/);
    assert.match(
      text,
      /Details: See full report at https:\/\/ci\.example\.test\/artifacts\/.*\/reports\/phase_1_\d{8}_\d{6}\/INDEX\.md/,
    );
    assert.equal(mails[0]!.subject, 'Deployment: Phase 1 FAILED - FIX_AND_RETEST');
    assert.equal(mails[0]!.text.trim(), text.trim());
    assert.match(mails[0]!.to, /release-team@example\.test/);
    for (const m of [slack[0]!.text, mails[0]!.text, mails[0]!.subject]) {
      assert.ok(!m.includes(API_KEY), 'a message leaks the API key');
      assert.ok(!m.includes(HOOK_TOKEN), 'a message leaks the webhook URL');
    }
    const index = read(path.join(p.reportDirs()[0]!, 'INDEX.md'));
    assert.match(index, /✅ slack: posted \(HTTP 200\)/);
    assert.match(index, /✅ email: sent to release-team@example\.test/);
  });

  test('channels that fail are reported and leave the verdict alone', async () => {
    const p = projects[1]!;
    p.write({ 'playwright.config.ts': configSource(), 'x.spec.ts': spec(false) });
    slackStatus = 500;
    try {
      const closed = await closedPort();
      const r = await p.test([], {
        ...settings(),
        SMTP_URL: `smtp://127.0.0.1:${closed}`,
        NOTIFY_TIMEOUT_MS: '2000',
      });
      expectCode(r, 0, 'green run with broken notifications');
      const dir = p.reportDirs()[0]!;
      assert.match(read(path.join(dir, 'status.env')), /STATUS=PASS/);
      const index = read(path.join(dir, 'INDEX.md'));
      assert.match(index, /❌ slack: webhook answered HTTP 500: invalid_token/);
      assert.match(index, /❌ email: .*ECONNREFUSED/);
      assert.match(r.output, /❌ slack notification failed/);
      assert.ok(!r.output.includes(HOOK_TOKEN));
      assert.ok(!index.includes(HOOK_TOKEN));
    } finally {
      slackStatus = 200;
    }
  });

  test('a receiver that never answers times out quickly', async () => {
    const started = process.hrtime.bigint();
    const outcome = await sendSlack(
      `http://127.0.0.1:${httpPort}/hang`,
      { subject: 's', text: 't' },
      { emailFrom: 'x@y', timeoutMs: 300, secrets: [] },
    );
    assert.equal(outcome.ok, false);
    // A bound, not a benchmark: without the timeout this would wait for undici's 300 s default.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 30_000);
  });

  test('npm run announce sends the pre-deployment message', async () => {
    const p = projects[2]!;
    slack.length = 0;
    mails.length = 0;
    const r = await p.exec(
      'npm',
      [
        '--prefix',
        REPO,
        '--silent',
        'run',
        'announce',
        '--',
        '--phase',
        '2',
        '--date',
        '2026-12-01',
        '--time',
        '14:00',
        '--changes',
        'Idempotency keys on appointments',
        '--changes',
        'Webhook deduplication',
      ],
      settings(),
    );
    expectCode(r, 0, 'announce');
    assert.equal(slack.length, 1);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.subject, 'Scheduled Deployment - Phase 2 2026-12-01 14:00');
    const text = unslack(slack[0]!.text);
    assert.match(text, /^Hi Team,/);
    assert.match(text, /Phase: 2 Consistency\nDate: 2026-12-01\nTime: 14:00 UTC\nDuration: ~3 days/);
    assert.match(text, /Changes:\n- Idempotency keys on appointments\n- Webhook deduplication\n/);
    assert.equal(mails[0]!.text.trim(), text.trim());
    assert.ok(!text.includes(HOOK_TOKEN) && !mails[0]!.text.includes(API_KEY));
    const bad = await p.exec(
      'npm',
      ['--prefix', REPO, '--silent', 'run', 'announce', '--', '--phase', '9'],
      {},
    );
    expectCode(bad, 2, 'announce with a bad phase');
    assert.match(bad.output, /--phase must be a phase number from 1 to 8/);
  });
});
