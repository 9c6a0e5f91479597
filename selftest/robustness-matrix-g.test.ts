// Dependency matrix (issue 5), part G: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun(
  'application refusing connections + Cal.com behind an untrusted TLS certificate + notifications hanging',
  [f.appRefused, f.calcomTls, f.notificationsHang],
);
