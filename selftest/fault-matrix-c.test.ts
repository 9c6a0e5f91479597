// Fault matrix, part C: the schema fault, on a sandbox that starts with it (it drops a column at
// start), together with health down, unsigned webhooks, console errors, a hidden breaker and slow
// pages, whose checks the schema fault does not touch. The expected table is
// selftest/helpers/fault-matrix.ts; faults that touch disjoint checks share a run. This run keeps
// the config's trace recording (the other self-test runs turn it off) and proves the evidence:
// every red browser check's trace is kept beside its screenshots and linked from INDEX.md.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun(
  'the schema fault from the start, health down, unsigned webhooks, console errors, hidden breaker, slow pages',
  [
    'schema_missing_idempotency',
    'health_down',
    'webhook_unsigned',
    'console_error',
    'breaker_hidden',
    'slow_pages',
  ],
  { fromStart: true, evidence: true },
);
