// Phase 2 as the front desk sees it: a synthetic appointment's detail page shows its idempotency
// key and its Cal.com booking UID, and both are the ones stored (and, for the UID, the booking
// Cal.com itself returns). The appointment is removed after the test, its booking cancelled.
import type pg from 'pg';
import type { Env } from '../../config/env.ts';
import { test } from '../../fixtures/index.ts';
import { labelledValue } from '../../fixtures/detail-layouts.ts';
import { ident, storedTime, timeColumn } from '../../fixtures/db.ts';
import { bookingMatchVerdict, shownValueVerdict, type CalcomSide } from '../../fixtures/page-verdicts.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

interface LocalRow {
  idempotency_key: string | null;
  uid: string | null;
  starts_at: Date;
  status: string;
}

/** The stored appointment of a synthetic client e-mail (unique to this test). */
async function localRecord(db: pg.Pool, s: Env, email: string, withKey: boolean): Promise<LocalRow> {
  const cols = [
    withKey && s.DB_COL_IDEMPOTENCY_KEY
      ? `${ident(s.DB_COL_IDEMPOTENCY_KEY)}::text AS idempotency_key`
      : 'NULL AS idempotency_key',
    `${ident(s.DB_COL_CALCOM_UID)} AS uid`,
    timeColumn(s.DB_COL_STARTS_AT, 'start'),
    `${ident(s.DB_COL_STATUS)}::text AS status`,
  ];
  const res = await db.query<LocalRow & Record<string, unknown>>(
    `SELECT ${cols.join(', ')} FROM ${ident(s.DB_TABLE_APPOINTMENTS)} WHERE ${ident(s.DB_COL_CLIENT_EMAIL)} = $1`,
    [email],
  );
  const row = res.rows[0];
  if (!row) throw new Error(`The appointment just created (${email}) is not in ${s.DB_TABLE_APPOINTMENTS}`);
  return { ...row, starts_at: storedTime(row, 'start', s.APP_TIMEZONE) ?? new Date(Number.NaN) };
}

test(
  'Idempotency key visible in appointment detail',
  check({ phase: 2, kind: 'e2e', covers: 'p2.idempotency-visible' }),
  async ({ app, db, readerPage: page, snap, visit, settings }) => {
    requireSetting(
      settings.DB_COL_IDEMPOTENCY_KEY,
      'DB_COL_IDEMPOTENCY_KEY',
      'the appointments column holding the idempotency key',
    );
    const created = await app.createAppointment();
    const stored = await localRecord(db, settings, created.email, true);

    const status = await visit(
      page,
      app.url(settings.APPOINTMENT_DETAIL_PATH, { id: created.id }),
      'appointment detail page',
    );
    await snap(page, 'appointment detail');
    if (status === 0 || status >= 400) {
      throw new Error(`The appointment detail page answered HTTP ${status || 'nothing'}`);
    }
    const v = shownValueVerdict(
      settings.DETAIL_IDEMPOTENCY_LABEL,
      await labelledValue(page, settings.DETAIL_IDEMPOTENCY_LABEL),
      stored.idempotency_key,
    );
    if (!v.ok) throw new Error(`Appointment detail: ${v.message}`);
  },
);

test(
  'Cal.com booking ID matches local record',
  check({ phase: 2, kind: 'e2e', covers: 'p2.calcom-id-match' }),
  async ({ app, db, calcom, readerPage: page, snap, visit, settings }) => {
    if (!calcom.configured)
      requireSetting(undefined, 'CALCOM_API_URL', 'the Cal.com API the bookings sync with');
    const created = await app.createAppointment();
    // The app may sync with Cal.com in a queued job: the page is looked at once its work is done.
    await app.syncState(created.id);
    const stored = await localRecord(db, settings, created.email, false);

    const status = await visit(
      page,
      app.url(settings.APPOINTMENT_DETAIL_PATH, { id: created.id }),
      'appointment detail page',
    );
    if (status === 0 || status >= 400) {
      await snap(page, 'calcom booking');
      throw new Error(`The appointment detail page answered HTTP ${status || 'nothing'}`);
    }
    const shown = await labelledValue(page, settings.DETAIL_CALCOM_UID_LABEL);
    await snap(page, 'calcom booking');

    let remote: CalcomSide | string | undefined;
    if (stored.uid) {
      try {
        const b = await calcom.getBooking(stored.uid);
        remote = { uid: b.uid, start: b.start, attendeeEmails: b.attendees.map((a) => a.email) };
      } catch (err) {
        remote = (err as Error).message;
      }
    }
    const v = bookingMatchVerdict({
      shownUid: shown && shown.visible ? shown.text : null,
      local: {
        uid: stored.uid,
        startsAt: new Date(stored.starts_at),
        email: created.email,
        status: stored.status,
      },
      calcom: remote,
    });
    if (!v.ok) throw new Error(`Cal.com booking ID does not match the local record: ${v.message}`);
    console.log(v.message);
  },
);
