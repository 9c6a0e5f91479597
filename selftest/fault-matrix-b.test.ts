// Fault matrix, part B: health down, unsigned webhooks, console errors, hidden breaker, slow pages. The expected table is selftest/helpers/fault-matrix.ts;
// faults that touch disjoint checks share a run.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun('health down, unsigned webhooks, console errors, hidden breaker, slow pages', [
  'health_down',
  'webhook_unsigned',
  'console_error',
  'breaker_hidden',
  'slow_pages',
]);
