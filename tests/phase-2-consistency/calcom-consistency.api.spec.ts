// Cal.com ↔ local database: the bookings of the window around today agree by uid, start and
// status; and bookings made now reach Cal.com. Synthetic bookings (ours) are left out.
import { test } from '../../fixtures/index.ts';
import { CalcomError, type CalcomBooking } from '../../fixtures/calcom.ts';
import { matchBookings, parseStatusMap, type LocalBooking } from '../../fixtures/consistency.ts';
import { dbError, ident, storedTime, timeColumn } from '../../fixtures/db.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { isSyntheticEmail } from '../../fixtures/synthetic.ts';
import { check } from '../../fixtures/tags.ts';

/** Local bookings whose uid Cal.com's window list lacks are looked up one by one, at most this many. */
const MAX_SINGLE_LOOKUPS = 20;
/** Synthetic bookings made to measure the success rate. */
const BOOKING_ATTEMPTS = 4;

test(
  'Cal.com ↔ local DB consistency',
  check({ phase: 2, kind: 'api', covers: 'p2.calcom-consistency', critical: true }),
  async ({ calcom, db, settings, measure }, testInfo) => {
    requireSetting(settings.calcomApiUrl, 'CALCOM_API_URL', 'the Cal.com API base URL');
    const statusMap = parseStatusMap(settings.STATUS_MAP);
    const marker = settings.SYNTHETIC_MARKER;
    const now = Date.now();
    const span = settings.CONSISTENCY_WINDOW_DAYS * 86_400_000;
    const from = new Date(now - span);
    const to = new Date(now + span);
    const notSynthetic = (b: CalcomBooking) => !b.attendees.some((a) => isSyntheticEmail(marker, a.email));
    const remote =
      // Only the event type the app books (CALCOM_EVENT_TYPE_ID): the account's other event types
      // are not the app's, and have no local record to match.
      (
        await calcom.listBookings({
          afterStart: from.toISOString(),
          beforeEnd: to.toISOString(),
          eventTypeId: settings.CALCOM_EVENT_TYPE_ID,
        })
      ).filter(notSynthetic);

    const appts = ident(settings.DB_TABLE_APPOINTMENTS);
    const uid = ident(settings.DB_COL_CALCOM_UID);
    const cols = `${uid} AS uid, ${timeColumn(settings.DB_COL_STARTS_AT, 'start')}, ${ident(settings.DB_COL_STATUS)} AS status`;
    type Row = { uid: string; status: string } & Record<string, unknown>;
    let byRemote: Row[];
    let inWindow: Row[];
    try {
      byRemote = (
        await db.query<Row>(`SELECT ${cols} FROM ${appts} WHERE ${uid} = ANY($1::text[])`, [
          remote.map((r) => r.uid),
        ])
      ).rows;
      // An hour's margin at both ends: Cal.com filters by end, the database by start.
      inWindow = (
        await db.query<Row>(
          `SELECT ${cols} FROM ${appts} WHERE ${uid} IS NOT NULL AND ${ident(settings.DB_COL_STARTS_AT)} BETWEEN $1 AND $2
           AND ${ident(settings.DB_COL_CLIENT_EMAIL)} NOT LIKE $3`,
          [new Date(from.getTime() + 3_600_000), new Date(to.getTime() - 3_600_000), `${marker}+%`],
        )
      ).rows;
    } catch (err) {
      throw dbError(settings, err);
    }
    const remoteUids = new Set(remote.map((r) => r.uid));
    const extra = inWindow.filter((r) => !remoteUids.has(r.uid));
    for (const row of extra.slice(0, MAX_SINGLE_LOOKUPS)) {
      try {
        remote.push(await calcom.getBooking(row.uid));
      } catch (err) {
        if (!(err instanceof CalcomError) || err.status !== 404) throw err;
      }
    }
    const local = new Map<string, LocalBooking>();
    for (const r of [...byRemote, ...inWindow])
      local.set(r.uid, {
        uid: r.uid,
        startsAt: storedTime(r, 'start', settings.APP_TIMEZONE) ?? new Date(Number.NaN),
        status: r.status,
      });
    const result = matchBookings(remote, [...local.values()], statusMap);
    await testInfo.attach('consistency', {
      body: Buffer.from(JSON.stringify({ window: { from, to }, ...result }, null, 2)),
      contentType: 'application/json',
    });
    const first = result.mismatches
      .slice(0, 5)
      .map((m) => `${m.uid} (${m.reason})`)
      .join(', ');
    measure(
      'Data consistency',
      Math.floor(result.pct * 10) / 10,
      'consistencyPct',
      `${result.matched}/${result.total} bookings match within ±${settings.CONSISTENCY_WINDOW_DAYS} days${first ? `; unmatched: ${first}` : ''}`,
    );
  },
);

test(
  'Booking success rate: new bookings reach Cal.com',
  check({ phase: 2, kind: 'api', covers: 'p2.calcom-consistency' }),
  async ({ app, calcom, db, settings, measure }) => {
    requireSetting(settings.calcomApiUrl, 'CALCOM_API_URL', 'the Cal.com API base URL');
    const failures: string[] = [];
    let succeeded = 0;
    for (let i = 0; i < BOOKING_ATTEMPTS; i++) {
      try {
        const created = await app.createAppointment();
        // Synced inline or by the app's queued job: wait for its own work, not longer.
        const row = await app.syncState(created.id);
        if (!row.uid) {
          failures.push(
            `appointment ${created.id} has no Cal.com booking${row.gaveUp ? ` (${row.gaveUp})` : ''}`,
          );
          continue;
        }
        const booking = await calcom.getBooking(row.uid);
        if (Date.parse(booking.start) !== created.startsAt.getTime()) {
          failures.push(
            `Cal.com booking ${row.uid} starts ${booking.start}, booked ${created.startsAt.toISOString()}`,
          );
          continue;
        }
        succeeded++;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    measure(
      'Booking success rate',
      (succeeded / BOOKING_ATTEMPTS) * 100,
      'bookingSuccessPct',
      `${succeeded} of ${BOOKING_ATTEMPTS} synthetic bookings reached Cal.com${failures.length ? `; ${failures.slice(0, 2).join('; ')}` : ''}`,
    );
  },
);
