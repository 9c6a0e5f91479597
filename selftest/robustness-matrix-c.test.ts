// Dependency matrix, part C (issue 5): the application down (refusing, or accepting and never
// answering — browser checks included), each in one run with Cal.com unreachable (an untrusted
// TLS certificate, a refused port), and Slack and SMTP never answering the end-of-run messages.
// Only the database, Redis and log checks can stay green; the run still ends.
import { test, before, after } from 'node:test';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { OUT_ROOT, runGroup } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

const API = { args: ['--project', 'api', '--workers', '2'], budgetMs: 300_000 };
const ALL = { args: ['--workers', '2'], budgetMs: 420_000 };
const root = path.join(OUT_ROOT, `robustness-matrix-c-${process.pid}`);
let sandbox: TestSandbox;

before(async () => {
  mkdirSync(root, { recursive: true });
  sandbox = await startTestSandbox();
});
after(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('application refusing connections + Cal.com behind an untrusted TLS certificate + notifications hanging', async () => {
  await runGroup(sandbox, [f.appRefused, f.calcomTls, f.notificationsHang], { outRoot: root, ...API });
});

test('application never answering + Cal.com refusing connections (browser checks too)', async () => {
  await runGroup(sandbox, [f.appHang, f.calcomRefused], { outRoot: root, ...ALL });
});
