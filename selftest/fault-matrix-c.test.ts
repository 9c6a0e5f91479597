// Fault matrix, part C: the schema fault, on a sandbox that starts with it (it drops a column at start). The expected table is selftest/helpers/fault-matrix.ts;
// faults that touch disjoint checks share a run.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun(
  'the schema fault, on a sandbox that starts with it (it drops a column at start)',
  ['schema_missing_idempotency'],
  { fromStart: true },
);
