// Dependency matrix (issue 5), part B: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun('wrong Postgres password + Cal.com answering 500 + health answering HTML', [
  f.postgresWrongPassword,
  f.calcom500,
  f.healthHtml,
]);
