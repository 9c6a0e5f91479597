// Fault matrix, part D: log errors, stopped worker, Cal.com drift, stuck spinner. The expected table is selftest/helpers/fault-matrix.ts;
// faults that touch disjoint checks share a run.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun('log errors, stopped worker, Cal.com drift, stuck spinner', [
  'log_errors',
  'worker_stopped',
  'calcom_drift',
  'spinner_stuck',
]);
