// Events flow through the system: a synthetic booking's own queued work comes out the other end.
// Nothing is pushed by hand (a job the app did not make is a failed job in a real worker): the
// check books, then watches for the event row the app's job records (BOOKING_EVENT_NAME in
// DB_TABLE_EVENTS), or, where the app records none, for the booking's Cal.com UID its sync writes.
import { test } from '../../fixtures/index.ts';
import { dbError, ident, instantSql } from '../../fixtures/db.ts';
import { thresholds } from '../../phases/catalogue.ts';
import { check } from '../../fixtures/tags.ts';

const POLL_MS = 100;

test(
  'Events flowing through system',
  check({ phase: 5, kind: 'api', covers: 'p5.events-flowing' }),
  async ({ app, db, settings, measure }) => {
    const table = settings.DB_TABLE_EVENTS;
    const eventName = settings.BOOKING_EVENT_NAME;
    const byEvent = table !== undefined && eventName !== undefined;
    // Database time, so that the app's clock and ours need not agree.
    let since: Date;
    let createdSql = '';
    try {
      since = (await db.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now ?? new Date();
      if (byEvent) createdSql = await instantSql(db, settings, table, settings.DB_COL_CREATED_AT);
    } catch (err) {
      throw dbError(settings, err);
    }
    const created = await app.createAppointment();
    // The job is dispatched while the booking is answered: its round trip starts with the answer
    // (the booking's own page time is not the queue's).
    const started = performance.now();
    const deadline = started + thresholds.jobRoundTripMs.limit;
    let seen = false;
    try {
      while (!seen && performance.now() < deadline) {
        const r = byEvent
          ? await db.query(
              `SELECT 1 FROM ${ident(table)} WHERE ${ident(settings.DB_COL_EVENT_NAME)} = $1 AND ${createdSql} >= $2 LIMIT 1`,
              [eventName, since],
            )
          : await db.query(
              `SELECT 1 FROM ${ident(settings.DB_TABLE_APPOINTMENTS)} WHERE id::text = $1 AND ${ident(settings.DB_COL_CALCOM_UID)} IS NOT NULL`,
              [created.id],
            );
        seen = (r.rowCount ?? 0) > 0;
        if (!seen) await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      throw dbError(settings, err);
    }
    const ms = Math.round(performance.now() - started);
    if (!seen) {
      throw new Error(
        byEvent
          ? `Events flowing: booking appointment ${created.id} produced no ${table} row within ${thresholds.jobRoundTripMs.limit} ms (event "${eventName}": its queued job did not run)`
          : `Events flowing: booking appointment ${created.id} got no Cal.com booking UID (${settings.DB_COL_CALCOM_UID}) within ${thresholds.jobRoundTripMs.limit} ms (its queued sync did not run)`,
      );
    }
    measure('Job round trip', ms, 'jobRoundTripMs');
  },
);
