// A synthetic RecordEvent job pushed the way Laravel pushes it comes out as an events row.
import { randomUUID } from 'node:crypto';
import { test } from '../../fixtures/index.ts';
import { cacheError } from '../../fixtures/cache.ts';
import { dbError, ident } from '../../fixtures/db.ts';
import { thresholds } from '../../phases/catalogue.ts';
import { check } from '../../fixtures/tags.ts';

const POLL_MS = 100;

test(
  'Events flowing through system',
  check({ phase: 5, kind: 'api', covers: 'p5.events-flowing' }),
  async ({ cache, db, synthetic, settings, measure }) => {
    const name = `${synthetic.tag}:event:${synthetic.next()}`;
    synthetic.trackEventName(name);
    const queue = `queues:${settings.QUEUE_NAME}`;
    const job = JSON.stringify({
      uuid: randomUUID(),
      displayName: 'App\\Jobs\\RecordEvent',
      job: 'Illuminate\\Queue\\CallQueuedHandler@call',
      maxTries: 1,
      data: {
        commandName: 'App\\Jobs\\RecordEvent',
        command: { name, payload: { phasegate: synthetic.tag } },
      },
      attempts: 0,
    });
    const started = performance.now();
    try {
      await cache.redis.rpush(queue, job);
    } catch (err) {
      throw cacheError(settings, err);
    }
    const deadline = started + thresholds.jobRoundTripMs.limit;
    let seen = false;
    try {
      while (!seen && performance.now() < deadline) {
        const r = await db.query(
          `SELECT 1 FROM ${ident(settings.DB_TABLE_EVENTS)} WHERE ${ident(settings.DB_COL_EVENT_NAME)} = $1`,
          [name],
        );
        seen = (r.rowCount ?? 0) > 0;
        if (!seen) await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      throw dbError(settings, err);
    } finally {
      // Never leave our job for a worker that is not running.
      await cache.redis.lrem(queue, 1, job).catch(() => 0);
    }
    const ms = Math.round(performance.now() - started);
    if (!seen) {
      throw new Error(
        `Events flowing: a RecordEvent job queued on ${settings.QUEUE_NAME} produced no ${settings.DB_TABLE_EVENTS} row within ${thresholds.jobRoundTripMs.limit} ms`,
      );
    }
    measure('Job round trip', ms, 'jobRoundTripMs');
  },
);
