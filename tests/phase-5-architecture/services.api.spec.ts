// The queue worker is alive and keeping up: its heartbeat is fresh, the queue is short, and jobs
// are not failing. Everything is read, nothing is written: the heartbeat where the app keeps it
// (a plain key, or a Cache:: value PHP-serialized), the queue where its driver keeps it (Redis
// list or `jobs` table), failed jobs in `failed_jobs` or Horizon's stats.
import { test } from '../../fixtures/index.ts';
import { cacheError, decodeCacheValue, timeOf } from '../../fixtures/cache.ts';
import { dbError, ident } from '../../fixtures/db.ts';
import { ANNOTATION } from '../../fixtures/annotations.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'All services processing correctly',
  check({ phase: 5, kind: 'api', covers: 'p5.services-processing', critical: true }),
  async ({ app, cache, db, settings, measure }, testInfo) => {
    const note = (description: string) => testInfo.annotations.push({ type: 'note', description });
    const problems: string[] = [];
    const decide = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        problems.push((err as Error).message);
      }
    };

    const hbKey = settings.WORKER_HEARTBEAT_KEY;
    if (hbKey === undefined) {
      note('Worker heartbeat not checked: WORKER_HEARTBEAT_KEY is none');
    } else {
      const fromCache = settings.WORKER_HEARTBEAT_STORE === 'cache';
      const key = fromCache ? cache.cacheKey(hbKey) : hbKey;
      let raw: string | null;
      try {
        raw = await (fromCache ? cache.redis : cache.queue).get(key);
      } catch (err) {
        throw cacheError(settings, err);
      }
      if (raw === null) {
        problems.push(`Queue worker: no heartbeat at ${cache.serverKey(key)} (worker not running?)`);
      } else {
        const t = timeOf(decodeCacheValue(raw));
        if (Number.isNaN(t)) {
          problems.push(
            `Queue worker: the heartbeat at ${cache.serverKey(key)} is not a time: ${raw.slice(0, 60)}`,
          );
        } else {
          decide(() =>
            measure(
              'Worker heartbeat age',
              Math.max(0, Math.round((Date.now() - t) / 1000)),
              'heartbeatAgeSeconds',
            ),
          );
        }
      }
    }

    let depth: number | undefined;
    if (settings.QUEUE_DRIVER === 'database') {
      if (settings.DB_TABLE_JOBS === undefined) {
        note('Queue depth not checked: DB_TABLE_JOBS is none');
      } else {
        try {
          const r = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${ident(settings.DB_TABLE_JOBS)} WHERE queue = $1 AND reserved_at IS NULL`,
            [settings.QUEUE_NAME],
          );
          depth = r.rows[0]?.n ?? 0;
        } catch (err) {
          throw dbError(settings, err);
        }
      }
    } else {
      try {
        depth = await cache.queue.llen(`queues:${settings.QUEUE_NAME}`);
      } catch (err) {
        throw cacheError(settings, err);
      }
    }
    if (depth !== undefined) {
      const d = depth;
      decide(() => measure('Queue depth', d, 'queueDepth', `queue ${settings.QUEUE_NAME}`));
    }

    let failed: number | undefined;
    if (settings.DB_TABLE_FAILED_JOBS !== undefined) {
      try {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${ident(settings.DB_TABLE_FAILED_JOBS)} WHERE failed_at > now() - interval '1 hour'`,
        );
        failed = r.rows[0]?.n ?? 0;
      } catch (err) {
        throw dbError(settings, err);
      }
    } else if (settings.HORIZON_STATS_PATH !== undefined) {
      const cookies = await app.login();
      const res = await app.get(settings.HORIZON_STATS_PATH, {
        cookies,
        headers: { accept: 'application/json' },
      });
      if (res.status !== 200) {
        problems.push(`Horizon stats ${settings.HORIZON_STATS_PATH} answered HTTP ${res.status}`);
      } else {
        const stats = res.json<{ failedJobs?: unknown; status?: unknown }>();
        if (stats.status === 'inactive')
          problems.push(`Horizon is inactive (${settings.HORIZON_STATS_PATH}): no worker runs`);
        if (stats.status === 'paused')
          testInfo.annotations.push({
            type: ANNOTATION.warning,
            description: `Horizon is paused (${settings.HORIZON_STATS_PATH}): jobs wait`,
          });
        if (typeof stats.failedJobs === 'number') failed = stats.failedJobs;
      }
    } else {
      note('Failed jobs not checked: DB_TABLE_FAILED_JOBS is none and HORIZON_STATS_PATH is none');
    }
    if (failed !== undefined) {
      const f = failed;
      decide(() => measure('Failed jobs (last hour)', f, 'recentFailedJobs'));
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  },
);
