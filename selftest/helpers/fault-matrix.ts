// The fault matrix as data: for every fault switch of the sandbox, the checks it must turn red
// (or yellow) and what their message must say. Everything else must stay green. The runner puts
// faults with disjoint effects into one suite run (the time budget of `npm test` allows a few
// runs, not one per fault); the union of their rows is then asserted exactly.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runAgainst, type PhaseRun } from './run-suite.ts';
import { filesUnder, reportDirs } from './robustness-run.ts';
import {
  changedTables,
  nonSyntheticFingerprint,
  syntheticLeftovers,
  total,
  type TableState,
} from './robustness-data.ts';
import { startTestSandbox, type TestSandbox } from './sandbox.ts';
import { testServices } from './services.ts';

/** Check titles, as the suite names them. */
export const T = {
  apiHealth: 'API health: status ok with a fresh timestamp',
  apiEndpoints: 'API endpoints answer as expected',
  apiTimes: 'API response times acceptable (p95)',
  appointmentCreation: 'Appointment creation works',
  cacheInvalidation: 'Cache invalidation: booking clears the availability cache',
  calcomReachable: 'Cal.com API reachable',
  consistency: 'Cal.com ↔ local DB consistency',
  bookingSuccess: 'Booking success rate: new bookings reach Cal.com',
  breaker: 'Circuit breaker status visible',
  logClean: 'Log file clean: 0 errors',
  queryPerf: 'Query performance: appointment lookup',
  idempotency: 'Idempotency keys: column, unique index, no nulls',
  webhookDedup: 'Webhook deduplication: a repeated webhook is stored once',
  webhookSignature: 'Webhook signature enforced',
  services: 'All services processing correctly',
  events: 'Events flowing through system',
  coverage: 'Test coverage 90%+',
  monitoring: 'Monitoring active: metrics answer, error rate low',
  openapi: 'API documentation valid and lists the booking endpoints',
  docLinks: 'Documentation links resolve',
  loginPage: 'Login page renders without errors',
  appointmentForm: 'Appointment form displays',
  consoleErrors: 'No JavaScript console errors',
  idempotencyVisible: 'Idempotency key visible in appointment detail',
  calcomIdMatch: 'Cal.com booking ID matches local record',
  errorMessages: 'Error messages display clearly',
  degradation: 'Graceful degradation',
  pageLoad: 'Page load < 3 s',
  spinners: 'No loading spinners stuck',
  bookingFlow: 'Booking flow time',
} as const;

/**
 * Wall-clock checks: on a loaded machine (npm test runs every file at once on 2 cores) they may
 * turn yellow by themselves, so where a row does not name them, yellow is tolerated — red never.
 */
export const LOAD_SENSITIVE: readonly string[] = [
  T.pageLoad,
  T.spinners,
  T.apiTimes,
  T.bookingFlow,
  T.queryPerf,
];

export interface Expectation {
  red?: Record<string, RegExp>;
  yellow?: Record<string, RegExp>;
  /** Yellow or red, never green: a share whose size depends on earlier traffic of the sandbox. */
  notGreen?: Record<string, RegExp>;
}

export const EXPECTED: Record<string, Expectation> = {
  health_down: {
    red: {
      [T.apiHealth]: /API health \/api\/health answered HTTP 503/,
      [T.apiEndpoints]: /GET \/api\/health answered 503 \(expected 200\)/,
      [T.apiTimes]: /calls failed, first: \/api\/health answered HTTP 503/,
    },
  },
  health_stale: {
    red: { [T.apiHealth]: /Health timestamp age: (59\d|6\d\d) s \(target < 60 s, limit 300 s\)/ },
  },
  // The application inserts the key it no longer has a column for: every booking fails with a
  // 500, which the booking checks, the log and the error rate all report, each in its own words.
  schema_missing_idempotency: {
    red: {
      [T.idempotency]: /column appointments\.idempotency_key is missing/,
      [T.appointmentCreation]: /Appointment creation failed: POST \/appointments answered HTTP 500/,
      [T.cacheInvalidation]: /Appointment creation failed: POST \/appointments answered HTTP 500/,
      [T.bookingSuccess]: /Booking success rate: 0% \(target ≥ 95%, limit 90%\) — 0 of 4 synthetic bookings/,
      [T.logClean]: /production\.ERROR: column "idempotency_key" of relation "appointments" does not exist/,
      [T.monitoring]: /Error rate: \d+(\.\d)?% \(target < 1%, limit 5%\) — \d+ of \d+ requests answered 5xx/,
      [T.idempotencyVisible]: /Appointment creation failed: POST \/appointments answered HTTP 500/,
      [T.calcomIdMatch]: /Appointment creation failed: POST \/appointments answered HTTP 500/,
      [T.bookingFlow]: /POST \/appointments answered HTTP 500/,
      // It watches a booking's own queued work: no booking, nothing to watch.
      [T.events]: /Appointment creation failed: POST \/appointments answered HTTP 500/,
    },
  },
  login_blank: {
    red: { [T.loginPage]: /renders blank: the whole page is one colour/ },
  },
  console_error: {
    red: { [T.consoleErrors]: /JavaScript console error.*TypeError/ },
  },
  log_errors: {
    red: {
      [T.logClean]:
        /\d+ ERROR\/CRITICAL entries in the last 10 min; first: \[\d{4}-\d\d-\d\d [\d:]+\] production\.ERROR: /,
    },
  },
  cache_stale: {
    red: {
      [T.cacheInvalidation]:
        /left the stale cache key \S+laravel_cache_:availability:\d{4}-\d\d-\d\d in place/,
    },
  },
  webhook_duplicates: {
    red: { [T.webhookDedup]: /stored 2 times \(expected once\)/ },
  },
  webhook_unsigned: {
    red: { [T.webhookSignature]: /wrong signature was answered HTTP 200 .*; 1 rows stored/ },
  },
  calcom_drift: {
    red: {
      [T.consistency]:
        /Data consistency: \d+(\.\d)?% \(target ≥ 99%, limit 95%\) — \d+\/\d+ bookings match.*in Cal\.com, no local appointment/,
    },
  },
  errors_blank: {
    red: { [T.errorMessages]: /blank/ },
  },
  breaker_hidden: {
    red: { [T.breaker]: /detailed health has no "circuit_breaker" entry/ },
  },
  slow_pages: {
    red: { [T.pageLoad]: /Page load: \d{4} ms \(target < 2000 ms, limit 3000 ms\)/ },
  },
  slow_queries: {
    yellow: { [T.queryPerf]: /Query performance: 1\d{3} ms \(target < 1000 ms, limit 2000 ms\)/ },
  },
  spinner_stuck: {
    red: { [T.spinners]: /Loading spinner visible: \d+ ms \(target < 2000 ms, limit 5000 ms\)/ },
  },
  worker_stopped: {
    red: {
      [T.services]:
        /Worker heartbeat age: \d+ s \(target < 30 s, limit 120 s\)[\s\S]*Queue depth: 1\d\d jobs \(target < 10 jobs, limit 100 jobs\)/,
      [T.events]: /produced no events row within 15000 ms/,
    },
  },
  events_stalled: {
    red: { [T.events]: /produced no events row within 15000 ms/ },
  },
  metrics_down: {
    red: { [T.monitoring]: /metrics \/metrics answered HTTP 404/ },
  },
  low_coverage: {
    red: { [T.coverage]: /Test coverage: 72(\.\d)?% \(target ≥ 90%, limit 85%\)/ },
  },
  docs_missing: {
    red: {
      [T.openapi]: /\/docs\/openapi\.json answered HTTP 404/,
      [T.docLinks]: /\/docs answered HTTP 404/,
    },
  },
  calcom_down: {
    red: {
      [T.calcomReachable]: /Cal\.com API GET \/v2\/bookings.* answered HTTP 503/,
      [T.consistency]: /Cal\.com API GET \/v2\/bookings.* answered HTTP 503/,
      [T.bookingSuccess]:
        /Booking success rate: 0% \(target ≥ 95%, limit 90%\) — 0 of 4 synthetic bookings reached Cal\.com/,
      [T.breaker]: /Circuit breaker OPEN/,
      [T.calcomIdMatch]: /no Cal\.com booking UID \(status pending_sync\)/,
      // The detailed health says why at once: no waiting out the 60 s limit for the UID.
      [T.bookingFlow]:
        /shows no Cal\.com booking UID .* after \d+ ms: \/api\/health\/detailed reports calcom down.*stopped waiting; the limit is 60000 ms/,
    },
    yellow: { [T.appointmentCreation]: /saved with status pending_sync but no Cal\.com booking yet/ },
  },
  'calcom_down,no_degradation': {
    red: {
      [T.calcomReachable]: /answered HTTP 503/,
      [T.consistency]: /answered HTTP 503/,
      [T.bookingSuccess]: /0 of 4 synthetic bookings reached Cal\.com/,
      [T.breaker]: /Circuit breaker OPEN/,
      [T.calcomIdMatch]: /.+/,
      [T.bookingFlow]: /.+/,
      [T.degradation]: /500/,
      [T.appointmentForm]: /500/,
      // The form page is where a booking starts (session, CSRF token): with it failing, nobody
      // can book, and every check that opens it says so.
      [T.appointmentCreation]: /GET \/appointments\/create answered HTTP 500/,
      [T.cacheInvalidation]: /GET \/appointments\/create answered HTTP 500/,
      [T.idempotencyVisible]: /\/appointments\/create answered HTTP 500/,
      [T.consoleErrors]: /\/appointments\/create answered HTTP 500/,
      [T.errorMessages]: /\/appointments\/create answered HTTP 500/,
      [T.spinners]: /\/appointments\/create answered HTTP 500/,
      [T.pageLoad]: /\/appointments\/create answered HTTP 500/,
      [T.events]: /GET \/appointments\/create answered HTTP 500/,
      [T.logClean]: /production\.ERROR: Cal\.com availability could not be loaded/,
    },
    notGreen: {
      [T.monitoring]: /Error rate: \d+(\.\d)?% \(target < 1%, limit 5%\) — \d+ of \d+ requests answered 5xx/,
    },
  },
};

/** The union of the rows of `faults`; two faults expecting the same check is a design error. */
export function expectationOf(faults: readonly string[]): Required<Expectation> {
  const red: Record<string, RegExp> = {};
  const yellow: Record<string, RegExp> = {};
  const notGreen: Record<string, RegExp> = {};
  const key = faults.join(',');
  const rows = EXPECTED[key] ? [EXPECTED[key]] : faults.map((f) => EXPECTED[f]);
  for (const [i, row] of rows.entries()) {
    if (!row) throw new Error(`fault-matrix: no expectation for ${faults[i] ?? key}`);
    for (const [target, part] of [
      [red, row.red],
      [yellow, row.yellow],
      [notGreen, row.notGreen],
    ] as const) {
      for (const [title, re] of Object.entries(part ?? {})) {
        if (title in red || title in yellow || title in notGreen) {
          throw new Error(`fault-matrix: ${title} is expected by two faults of ${key}`);
        }
        target[title] = re;
      }
    }
  }
  return { red, yellow, notGreen };
}

/** Every check's colour and message against the expectation; one message listing all differences. */
export function compare(run: PhaseRun, exp: Required<Expectation>): string[] {
  const problems: string[] = [];
  for (const title of [...Object.keys(exp.red), ...Object.keys(exp.yellow), ...Object.keys(exp.notGreen)]) {
    if (!run.byTitle.has(title)) problems.push(`${title}: did not run`);
  }
  for (const c of run.checks) {
    const want =
      c.title in exp.red
        ? 'red'
        : c.title in exp.yellow
          ? 'yellow'
          : c.title in exp.notGreen
            ? 'notGreen'
            : 'green';
    const re = exp.red[c.title] ?? exp.yellow[c.title] ?? exp.notGreen[c.title];
    if (want === 'notGreen') {
      if (c.colour !== 'red' && c.colour !== 'yellow')
        problems.push(`${c.title}: ${c.colour}, expected yellow or red`);
      else if (re && !re.test(c.text)) problems.push(`${c.title}: message does not match ${re}: ${c.text}`);
    } else if (want === 'green') {
      const tolerated = c.colour === 'yellow' && LOAD_SENSITIVE.includes(c.title);
      if (c.colour !== 'green' && !tolerated)
        problems.push(`${c.title}: ${c.colour}, expected green — ${c.text}`);
    } else if (c.colour !== want) {
      problems.push(`${c.title}: ${c.colour}, expected ${want} — ${c.text}`);
    } else if (re && !re.test(c.text)) {
      problems.push(`${c.title}: message does not match ${re}: ${c.text}`);
    }
  }
  return problems;
}

/**
 * Switches `faults` on (all others off), starts the log afresh (as logrotate would, with a new
 * empty file: the sandbox appends by path), runs every check, and asserts the matrix.
 */
export async function assertFaults(
  sb: TestSandbox,
  faults: string[],
  opts: { trace?: boolean } = {},
): Promise<PhaseRun> {
  await sb.setFaults(faults);
  if (existsSync(sb.logPath)) {
    renameSync(sb.logPath, `${sb.logPath}.${Date.now()}`);
    writeFileSync(sb.logPath, '');
  }
  // Two browser workers: under a fault the browser checks mostly wait on the target (slow pages,
  // timeouts), so two overlap their waits even on 2 cores.
  const run = await runAgainst(sb, { deadlineMs: 300_000, env: { E2E_WORKERS: '2' }, trace: opts.trace });
  assert.equal(run.run.hung, false, `the run with ${faults.join(',')} hung\n${run.describe()}`);
  const problems = compare(run, expectationOf(faults));
  assert.deepEqual(problems, [], `faults ${faults.join(',')}:\n${problems.join('\n')}\n\n${run.describe()}`);
  return run;
}

/**
 * One fault-matrix file: one sandbox, one suite run with `faults`. One run a file keeps each
 * file well inside the per-file timeout and lets the runner spread the matrix over its workers.
 * `fromStart`: the faults are switched on before the sandbox's first start (the schema fault
 * drops a column at start), else at run time. `noHarm`: the same run also proves that the checks
 * leave the target as they found it, failures and all (DESIGN.md): no synthetic record remains
 * in Postgres, Redis or Cal.com, and the non-synthetic rows are byte-for-byte what they were.
 */
export function faultMatrixRun(
  title: string,
  faults: string[],
  opts: { fromStart?: boolean; noHarm?: boolean; evidence?: boolean } = {},
): void {
  describe(`fault matrix: ${title}`, () => {
    let sb: TestSandbox | undefined;
    let seeded: Record<string, TableState> | undefined;
    let run: PhaseRun | undefined;
    before(async () => {
      sb = await startTestSandbox(opts.fromStart ? { faults } : {});
      if (opts.noHarm) seeded = await nonSyntheticFingerprint(sb.databaseUrl);
    });
    after(async () => {
      await sb?.stop();
    });
    test(faults.join(', '), async () => {
      assert.ok(sb, 'the sandbox did not start');
      run = await assertFaults(sb, faults, { trace: opts.evidence });
    });
    if (opts.evidence) {
      // The run keeps the config's trace recording: every red browser check has its trace beside
      // the screenshots, linked from INDEX.md (a release manager opens it with show-trace).
      test('every red browser check keeps its trace, linked from the report', () => {
        assert.ok(run, 'the fault run did not complete');
        const dirs = reportDirs(run.run.storageDir);
        const dir = dirs[dirs.length - 1];
        assert.ok(dir, 'no report directory');
        const model = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
          checks: { title: string; kind: string; status: string; trace: string | null }[];
        };
        const red = model.checks.filter((c) => c.kind === 'e2e' && c.status === 'FAIL');
        assert.ok(red.length > 0, 'no red browser check to keep a trace of');
        const index = readFileSync(path.join(dir, 'INDEX.md'), 'utf8');
        const written = filesUnder(run.run.storageDir);
        for (const c of red) {
          assert.ok(c.trace, `${c.title}: no trace`);
          const trace = c.trace;
          const file = written.find((f) => f.endsWith(trace));
          assert.ok(file && statSync(file).size > 0, `${c.title}: trace ${trace} not written`);
          assert.ok(index.includes(path.basename(trace)), `${c.title}: INDEX.md does not link its trace`);
        }
      });
    }
    if (!opts.noHarm) return;
    test('the run left no synthetic record behind', async () => {
      assert.ok(sb, 'the sandbox did not start');
      const left = await syntheticLeftovers(
        sb.databaseUrl,
        sb.suiteEnv.REDIS_URL ?? testServices().redisUrl,
        sb.redisPrefix,
      );
      assert.equal(total(left), 0, JSON.stringify(left));
    });
    test('the non-synthetic data is unchanged', async () => {
      assert.ok(sb && seeded, 'the sandbox did not start');
      const now = await nonSyntheticFingerprint(sb.databaseUrl, seeded);
      assert.deepEqual(changedTables(seeded, now), []);
      // The application may log events of its own; a failed job would be harm the suite caused.
      assert.equal(now['public.failed_jobs']?.added ?? 0, 0, 'the run produced failed jobs');
    });
  });
}
