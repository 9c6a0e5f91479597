// Dependency matrix (issue 5), part E: the suite against a healthy sandbox with its own
// connections swapped for misbehaving ones. Cases and their expectations:
// selftest/helpers/robustness-faults.ts.
import { robustnessRun } from './helpers/robustness-cases.ts';
import * as f from './helpers/robustness-faults.ts';

robustnessRun('Redis never answering + Cal.com never answering', [f.redisHang, f.calcomTimeout]);
