// Fault matrix, part B: the schema fault on a sandbox of its own (it drops a column at start),
// then the worker, log and Cal.com drift faults together on another.
import { after, describe, test } from 'node:test';
import { assertFaults } from './helpers/fault-matrix.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

describe('fault matrix B: schema, worker, log, drift, spinner', () => {
  const sandboxes: TestSandbox[] = [];
  after(async () => {
    await Promise.allSettled(sandboxes.map((s) => s.stop()));
  });

  test('schema_missing_idempotency (its own sandbox, from the start)', async () => {
    const sb = await startTestSandbox({ faults: ['schema_missing_idempotency'] });
    sandboxes.push(sb);
    await assertFaults(sb, ['schema_missing_idempotency']);
  });

  test('log_errors, worker_stopped, calcom_drift, spinner_stuck', async () => {
    const sb = await startTestSandbox();
    sandboxes.push(sb);
    await assertFaults(sb, ['log_errors', 'worker_stopped', 'calcom_drift', 'spinner_stuck']);
  });
});
