// Dependency matrix (issue 5), part C: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun('Postgres never answering + Cal.com answering invalid JSON + detailed health broken', [
  f.postgresHang,
  f.calcomInvalidJson,
  f.detailedHealthBroken,
]);
