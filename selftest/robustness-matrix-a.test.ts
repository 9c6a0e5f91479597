// Dependency matrix, part A (issue 5): Postgres refused / wrong password / never answering, each
// in one run with a Cal.com answering badly and (where it fits) one application route answering
// badly. The sandbox application stays healthy; only the suite's own connections are swapped.
import { test, before, after } from 'node:test';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { OUT_ROOT, runGroup } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

const API = { args: ['--project', 'api', '--workers', '2'], budgetMs: 300_000 };
const root = path.join(OUT_ROOT, `robustness-matrix-a-${process.pid}`);
let sandbox: TestSandbox;

before(async () => {
  mkdirSync(root, { recursive: true });
  sandbox = await startTestSandbox();
});
after(async () => {
  await sandbox?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('Postgres refusing connections + Cal.com answering 401', async () => {
  await runGroup(sandbox, [f.postgresRefused, f.calcom401], { outRoot: root, ...API });
});

test('wrong Postgres password + Cal.com answering 500 + health answering HTML', async () => {
  await runGroup(sandbox, [f.postgresWrongPassword, f.calcom500, f.healthHtml], { outRoot: root, ...API });
});

test('Postgres never answering + Cal.com answering invalid JSON + detailed health broken', async () => {
  await runGroup(sandbox, [f.postgresHang, f.calcomInvalidJson, f.detailedHealthBroken], {
    outRoot: root,
    ...API,
  });
});
