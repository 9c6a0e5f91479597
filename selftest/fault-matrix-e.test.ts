// Fault matrix, part E: Cal.com down: its checks and the breaker red, graceful degradation green. The expected table is selftest/helpers/fault-matrix.ts;
// faults that touch disjoint checks share a run.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun('Cal.com down: its checks and the breaker red, graceful degradation green', ['calcom_down']);
