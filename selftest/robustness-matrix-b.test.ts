// Dependency matrix, part B (issue 5): Redis refused / never answering / refusing our password,
// each in one run with a Cal.com answering badly; the last run adds a login page answering 500
// and includes the browser checks.
import { test, before, after } from 'node:test';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { OUT_ROOT, runGroup } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

const API = { args: ['--project', 'api', '--workers', '2'], budgetMs: 300_000 };
const ALL = { args: ['--workers', '2'], budgetMs: 420_000 };
const root = path.join(OUT_ROOT, `robustness-matrix-b-${process.pid}`);
let sandbox: TestSandbox;

before(async () => {
  mkdirSync(root, { recursive: true });
  sandbox = await startTestSandbox();
});
after(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('Redis refusing connections + Cal.com answering outside its envelope', async () => {
  await runGroup(sandbox, [f.redisRefused, f.calcomWrongEnvelope], { outRoot: root, ...API });
});

test('Redis never answering + Cal.com never answering', async () => {
  await runGroup(sandbox, [f.redisHang, f.calcomTimeout], { outRoot: root, ...API });
});

test('wrong Redis password + Cal.com answering HTML + login page answering 500 (browser checks too)', async () => {
  await runGroup(sandbox, [f.redisWrongPassword, f.calcomHtml, f.login500], { outRoot: root, ...ALL });
});
