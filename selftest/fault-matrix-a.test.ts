// Fault matrix, part A: health, cache, webhooks, coverage, docs, slow queries, login, validation,
// metrics, events, and Cal.com down (its checks and the breaker red, graceful degradation green).
// The expected table is selftest/helpers/fault-matrix.ts; faults that touch disjoint checks share
// a run. The same run proves that the checks leave the target as they found it, failures
// included: the write-path faults (webhook dedup, cache invalidation) are among its own.
import { faultMatrixRun } from './helpers/fault-matrix.ts';

faultMatrixRun(
  'health, cache, webhooks, coverage, docs, slow queries, login, validation, metrics, events, Cal.com down',
  [
    'health_stale',
    'cache_stale',
    'webhook_duplicates',
    'low_coverage',
    'docs_missing',
    'slow_queries',
    'login_blank',
    'errors_blank',
    'metrics_down',
    'events_stalled',
    'calcom_down',
  ],
  { noHarm: true },
);
