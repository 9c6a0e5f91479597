// Fault matrix, part F: Cal.com down without graceful degradation: graceful degradation red too. The expected table is selftest/helpers/fault-matrix.ts;
// faults that touch disjoint checks share a run.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun('Cal.com down without graceful degradation: graceful degradation red too', [
  'calcom_down',
  'no_degradation',
]);
