// The phase catalogue: data only (DESIGN.md). Checklist wording follows RUNBOOK.md; ids are
// stable because reports and history refer to them.
import { z } from 'zod/v3'; // as config/env.ts, for the load time

const thresholdSchema = z
  .object({
    target: z.number(),
    limit: z.number(),
    unit: z.string().min(1),
    /** 'lower': smaller is better (times, counts); 'higher': larger is better (rates, shares). */
    better: z.enum(['lower', 'higher']).default('lower'),
  })
  .refine((t) => (t.better === 'lower' ? t.target <= t.limit : t.target >= t.limit), {
    message: 'target must be on the good side of limit',
  });

const checklistItemSchema = z.object({
  id: z.string().regex(/^p[1-8]\.[a-z0-9-]+$/),
  text: z.string().min(1),
});

const phaseSchema = z.object({
  id: z.number().int().min(1).max(8),
  name: z.string().min(1),
  risk: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  rollbackEffort: z.enum(['EASY', 'MODERATE', 'HARD']),
  duration: z.string().min(1),
  checklist: z.array(checklistItemSchema).min(1),
});

export type Threshold = z.infer<typeof thresholdSchema>;
export type ChecklistItem = z.infer<typeof checklistItemSchema>;
export type Phase = z.infer<typeof phaseSchema>;

const rawPhases = [
  {
    id: 1,
    name: 'Hotfixes',
    risk: 'LOW',
    rollbackEffort: 'EASY',
    duration: '4 hours',
    checklist: [
      { id: 'p1.api-health', text: 'API health: status ok with a fresh timestamp' },
      { id: 'p1.db-connectivity', text: 'Database connectivity' },
      { id: 'p1.schema-integrity', text: 'No schema errors (schema integrity)' },
      { id: 'p1.appointment-creation', text: 'Appointment creation works' },
      { id: 'p1.cache-operations', text: 'Cache operations (set, get, ttl, delete)' },
      { id: 'p1.cache-invalidation', text: 'Cache clears: cache invalidation log entry visible' },
      { id: 'p1.calcom-reachable', text: 'Cal.com API reachable' },
      { id: 'p1.api-endpoints', text: 'API endpoints answer as expected' },
      { id: 'p1.login-page', text: 'Login page renders without errors' },
      { id: 'p1.appointment-form', text: 'Appointment form displays (schema fix working)' },
      { id: 'p1.no-console-errors', text: 'No JavaScript console errors' },
      { id: 'p1.log-clean', text: 'Log file clean: 0 errors' },
      { id: 'p1.query-performance', text: 'Query performance within target' },
    ],
  },
  {
    // Changes write paths (idempotency keys, webhook handling): a bad release corrupts data
    // that a revert does not repair, hence MEDIUM risk and MODERATE rollback.
    id: 2,
    name: 'Consistency',
    risk: 'MEDIUM',
    rollbackEffort: 'MODERATE',
    duration: '3 days',
    checklist: [
      { id: 'p2.idempotency-schema', text: 'Idempotency keys generated (column, unique index, no nulls)' },
      { id: 'p2.idempotency-visible', text: 'Idempotency key visible in appointment detail' },
      { id: 'p2.webhook-dedup', text: 'Webhook processing status shows deduplication' },
      { id: 'p2.webhook-signature', text: 'Webhook signature enforced' },
      { id: 'p2.calcom-consistency', text: 'Cal.com ↔ Local DB consistent' },
      { id: 'p2.calcom-id-match', text: 'Cal.com booking ID matches local record' },
    ],
  },
  {
    // Circuit breaker and error handling are behaviour-only changes behind flags; reverting
    // the code restores the old behaviour with no data to repair.
    id: 3,
    name: 'Resilience',
    risk: 'MEDIUM',
    rollbackEffort: 'EASY',
    duration: '1 week',
    checklist: [
      { id: 'p3.error-messages', text: 'Error messages display clearly (not blank)' },
      { id: 'p3.circuit-breaker', text: 'Circuit breaker status visible' },
      { id: 'p3.graceful-degradation', text: 'System shows graceful degradation' },
    ],
  },
  {
    // Query and caching changes: low blast radius per change, but index migrations on large
    // tables make the rollback a second migration.
    id: 4,
    name: 'Performance',
    risk: 'MEDIUM',
    rollbackEffort: 'MODERATE',
    duration: '1 week',
    checklist: [
      { id: 'p4.page-load', text: 'Page loads in <3 seconds' },
      { id: 'p4.api-response-times', text: 'API response times acceptable' },
      { id: 'p4.no-stuck-spinners', text: 'No loading spinners stuck' },
      { id: 'p4.booking-flow-time', text: 'Booking flow completes within target (42s target, <45s)' },
    ],
  },
  {
    // Moves work onto queues and events: the highest blast radius of the rollout, and undoing
    // it means draining queues and replaying events.
    id: 5,
    name: 'Architecture',
    risk: 'HIGH',
    rollbackEffort: 'HARD',
    duration: '1 week',
    checklist: [
      { id: 'p5.services-processing', text: 'All services processing correctly' },
      { id: 'p5.events-flowing', text: 'Events flowing through system' },
    ],
  },
  {
    // Adds tests and CI only; production behaviour is unchanged.
    id: 6,
    name: 'Testing',
    risk: 'LOW',
    rollbackEffort: 'EASY',
    duration: '1 week',
    checklist: [{ id: 'p6.coverage', text: 'Test coverage 90%+' }],
  },
  {
    // Adds metrics and dashboards beside the application; removing them touches no data.
    id: 7,
    name: 'Monitoring',
    risk: 'LOW',
    rollbackEffort: 'EASY',
    duration: '3 days',
    checklist: [
      { id: 'p7.monitoring-active', text: 'Monitoring dashboards active (metrics answer, error rate low)' },
      { id: 'p7.dashboards-reachable', text: 'Dashboards reachable' },
    ],
  },
  {
    // Documentation only.
    id: 8,
    name: 'Documentation',
    risk: 'LOW',
    rollbackEffort: 'EASY',
    duration: '2 days',
    checklist: [
      { id: 'p8.openapi', text: 'API documentation valid and lists the booking endpoints' },
      { id: 'p8.doc-links', text: 'Documentation links resolve' },
    ],
  },
] as const;

const rawThresholds = {
  /** Appointment lookup query (RUNBOOK: "Query Performance: 500ms", warning at 2000 ms). */
  queryMs: { target: 1000, limit: 2000, unit: 'ms' },
  /** /api/health timestamp age. */
  healthAgeSeconds: { target: 60, limit: 300, unit: 's' },
  /** Navigation to load event ("Page loads in <3 seconds"). */
  pageLoadMs: { target: 2000, limit: 3000, unit: 'ms' },
  /** p95 of repeated API calls. */
  apiP95Ms: { target: 500, limit: 1000, unit: 'ms' },
  /** How long a loading spinner may stay visible. */
  spinnerMs: { target: 2000, limit: 5000, unit: 'ms' },
  /** Fill, submit, confirmation with a Cal.com uid ("42s target", "<45s"). */
  bookingFlowMs: { target: 45000, limit: 60000, unit: 'ms' },
  /** Share of Cal.com bookings matching a local record (target >= 99%, red under 95%). */
  consistencyPct: { target: 99, limit: 95, unit: '%', better: 'higher' },
  /** Share of bookings that succeed ("Success rate: 95%+"). */
  bookingSuccessPct: { target: 95, limit: 90, unit: '%', better: 'higher' },
  /** Test coverage, lines ("90%+ coverage"). */
  coveragePct: { target: 90, limit: 85, unit: '%', better: 'higher' },
  /** Worker heartbeat age. */
  heartbeatAgeSeconds: { target: 30, limit: 120, unit: 's' },
  /** Jobs waiting in the queue. */
  queueDepth: { target: 10, limit: 100, unit: 'jobs' },
  /** failed_jobs rows in the last hour. */
  recentFailedJobs: { target: 0, limit: 5, unit: 'jobs' },
  /** Round trip of a synthetic job through the queue. */
  jobRoundTripMs: { target: 5000, limit: 15000, unit: 'ms' },
  /** HTTP 5xx share from the metrics endpoint. */
  errorRatePct: { target: 1, limit: 5, unit: '%' },
} as const;

export const phases: readonly Phase[] = z.array(phaseSchema).length(8).parse(rawPhases);

export const thresholds = z
  .record(z.enum(Object.keys(rawThresholds) as [keyof typeof rawThresholds]), thresholdSchema)
  .parse(rawThresholds) as Record<keyof typeof rawThresholds, Threshold>;

export type ThresholdName = keyof typeof rawThresholds;

export function phaseById(id: number): Phase {
  const p = phases.find((x) => x.id === id);
  if (!p) throw new Error(`unknown phase ${id}: phases are 1 to 8`);
  return p;
}

/** The checklist items of phases 1..upTo, in order. */
export function checklistUpTo(upTo: number): { phase: number; item: ChecklistItem }[] {
  return phases
    .filter((p) => p.id <= upTo)
    .flatMap((p) => p.checklist.map((item) => ({ phase: p.id, item })));
}
