// The queue worker is alive and keeping up: its heartbeat is fresh, the queue is short, and jobs
// are not failing.
import { test } from '../../fixtures/index.ts';
import { cacheError } from '../../fixtures/cache.ts';
import { dbError, ident } from '../../fixtures/db.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'All services processing correctly',
  check({ phase: 5, kind: 'api', covers: 'p5.services-processing', critical: true }),
  async ({ cache, db, settings, measure }) => {
    let heartbeat: string | null;
    let depth: number;
    try {
      heartbeat = await cache.redis.get(settings.WORKER_HEARTBEAT_KEY);
      depth = await cache.redis.llen(`queues:${settings.QUEUE_NAME}`);
    } catch (err) {
      throw cacheError(settings, err);
    }
    let failed: number;
    try {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${ident(settings.DB_TABLE_FAILED_JOBS)} WHERE failed_at > now() - interval '1 hour'`,
      );
      failed = r.rows[0]?.n ?? 0;
    } catch (err) {
      throw dbError(settings, err);
    }
    const problems: string[] = [];
    const decide = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        problems.push((err as Error).message);
      }
    };
    if (heartbeat === null) {
      problems.push(
        `Queue worker: no heartbeat at ${cache.serverKey(settings.WORKER_HEARTBEAT_KEY)} (worker not running?)`,
      );
    } else {
      const t = /^\d+$/.test(heartbeat)
        ? Number(heartbeat) * (heartbeat.length <= 10 ? 1000 : 1)
        : Date.parse(heartbeat);
      decide(() =>
        measure(
          'Worker heartbeat age',
          Math.max(0, Math.round((Date.now() - t) / 1000)),
          'heartbeatAgeSeconds',
        ),
      );
    }
    decide(() => measure('Queue depth', depth, 'queueDepth', `queue ${settings.QUEUE_NAME}`));
    decide(() => measure('Failed jobs (last hour)', failed, 'recentFailedJobs'));
    if (problems.length > 0) throw new Error(problems.join('\n'));
  },
);
