// Dependency matrix (issue 5), part F: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun(
  'wrong Redis password + Cal.com answering HTML + login page answering 500 (browser checks too)',
  [f.redisWrongPassword, f.calcomHtml, f.login500],
  { browser: true },
);
