// Dependency matrix (issue 5), part A: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun('Postgres refusing connections + Cal.com answering 401', [f.postgresRefused, f.calcom401]);
