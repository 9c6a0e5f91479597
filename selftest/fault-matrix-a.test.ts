// Fault matrix, part A: faults of single checks, switched at run time on one sandbox in two runs
// of disjoint faults. The expected table is selftest/helpers/fault-matrix.ts.
import { after, before, describe, test } from 'node:test';
import { assertFaults } from './helpers/fault-matrix.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

describe('fault matrix A: health, cache, webhooks, coverage, docs, metrics, login, validation, events, slow pages', () => {
  let sb: TestSandbox;
  before(async () => {
    sb = await startTestSandbox();
  });
  after(async () => {
    await sb?.stop();
  });

  test('health_stale, cache_stale, webhook_duplicates, low_coverage, docs_missing, slow_queries, login_blank, errors_blank, metrics_down, events_stalled', async () => {
    await assertFaults(sb, [
      'health_stale',
      'cache_stale',
      'webhook_duplicates',
      'low_coverage',
      'docs_missing',
      'slow_queries',
      'login_blank',
      'errors_blank',
      'metrics_down',
      'events_stalled',
    ]);
  });

  test('health_down, webhook_unsigned, console_error, breaker_hidden, slow_pages', async () => {
    await assertFaults(sb, [
      'health_down',
      'webhook_unsigned',
      'console_error',
      'breaker_hidden',
      'slow_pages',
    ]);
  });
});
