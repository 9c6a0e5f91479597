// Dependency matrix (issue 5), part H: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun(
  'application never answering + Cal.com refusing connections (browser checks too)',
  [f.appHang, f.calcomRefused],
  { browser: true },
);
