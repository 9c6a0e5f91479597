// "Booking flow completes within target": a person's booking, timed from opening the form to a
// confirmation page that shows the Cal.com booking UID. The appointment is synthetic (marker
// e-mail, a slot ~300 days ahead) and removed after the test, its Cal.com booking cancelled.
import { test } from '../../fixtures/index.ts';
import { labelledValue } from '../../fixtures/detail-layouts.ts';
import { ident } from '../../fixtures/db.ts';
import { check } from '../../fixtures/tags.ts';
import { dependencyOutages, healthMapping } from '../../fixtures/health-formats.ts';
import { pathParams } from '../../fixtures/page-verdicts.ts';
import { thresholds } from '../../phases/catalogue.ts';

// A confirmation without the UID yet is reloaded after these pauses, then every last one (the sync
// may be a queued job): a sync done within a moment is seen within a moment, a slow one is not
// reloaded more than once a second.
const RELOAD_AFTER_MS = [200, 400, 1_000];
// Consecutive detailed-health answers naming an outage, at least OUTAGE_SPAN_MS apart from first
// to last, before the wait for the UID stops early (a blip of a moment is no outage).
const OUTAGE_POLLS = 2;
const OUTAGE_SPAN_MS = 1_000;

/** `YYYY-MM-DDTHH:MM`, what a datetime-local field takes, in UTC like the stored start. */
function datetimeLocal(d: Date): string {
  return d.toISOString().slice(0, 16);
}

test(
  'Booking flow time',
  check({ phase: 4, kind: 'e2e', covers: 'p4.booking-flow-time' }),
  async ({ app, authedPage: page, db, synthetic, snap, visit, settings, measure }) => {
    const limit = thresholds.bookingFlowMs.limit;
    test.setTimeout(limit + 30_000);
    const n = synthetic.next();
    const email = synthetic.email(n);
    // Tracked before the submit: whatever happens next, the record is removed.
    synthetic.trackEmail(email);

    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form');
    if (status === 0 || status >= 400) {
      throw new Error(
        `Booking flow: the appointment form ${settings.APPOINTMENT_FORM_PATH} answered HTTP ${status || 'nothing'}`,
      );
    }
    await page.getByLabel(settings.FORM_NAME_LABEL).first().fill(synthetic.patientName);
    await page.getByLabel(settings.FORM_EMAIL_LABEL).first().fill(email);
    await page
      .getByLabel(settings.FORM_START_LABEL)
      .first()
      .fill(datetimeLocal(synthetic.startsAt(n)));
    // The submit ends on the confirmation page, or on an error page the server answered instead
    // (then there is no point waiting for the rest of the budget).
    const budget = Math.max(1_000, limit - elapsed());
    // The form's own path may fit the detail template (`/appointments/create` ~ `/appointments/{id}`).
    const formPath = new URL(page.url()).pathname;
    const isConfirmation = (u: URL) =>
      u.pathname !== formPath && pathParams(settings.APPOINTMENT_DETAIL_PATH, u.pathname) !== null;
    const arrived = page.waitForURL(isConfirmation, { timeout: budget });
    const refused = page.waitForResponse(
      (r) => r.request().isNavigationRequest() && r.frame() === page.mainFrame() && r.status() >= 400,
      { timeout: budget },
    );
    arrived.catch(() => {});
    refused.catch(() => {});
    await page.getByRole('button', { name: settings.FORM_SUBMIT_LABEL }).first().click();
    const outcome = await Promise.race([
      arrived.then(() => 'confirmed'),
      refused.then(
        (r) => `refused: ${r.request().method()} ${new URL(r.url()).pathname} answered HTTP ${r.status()}`,
      ),
    ]).catch(() => 'timeout');
    if (outcome !== 'confirmed') {
      await snap(page, 'booking confirmation');
      throw new Error(
        outcome === 'timeout'
          ? `Booking flow: no confirmation page (${settings.APPOINTMENT_DETAIL_PATH}) within ${limit} ms of opening the form; the browser is at ${new URL(page.url()).pathname}`
          : `Booking flow: the booking was ${outcome}`,
      );
    }
    // Done when the page shows the UID the database holds (a "pending" placeholder is not a UID).
    const uidQuery = `SELECT ${ident(settings.DB_COL_CALCOM_UID)} AS uid FROM ${ident(settings.DB_TABLE_APPOINTMENTS)} WHERE ${ident(settings.DB_COL_CLIENT_EMAIL)} = $1`;
    // While the UID is missing, the detailed health (when configured) may already say why: with
    // Cal.com down or the breaker open the booking cannot sync, and waiting out the limit would
    // only delay the verdict a release manager is waiting for.
    const outagesNow = async (): Promise<string[]> => {
      if (!settings.HEALTH_DETAILED_PATH) return [];
      try {
        const res = await app.get(settings.HEALTH_DETAILED_PATH, { headers: { accept: 'application/json' } });
        return dependencyOutages(res.json(), settings.DEGRADATION_DEPENDENCIES, healthMapping(settings))
          .outages;
      } catch {
        return []; // a health endpoint that does not answer says nothing about the sync
      }
    };
    let uid = '';
    let shownText = '';
    let outages: string[] = [];
    let outagePolls = 0;
    let outageSince = 0;
    let stoppedForOutage = false;
    let reloads = 0;
    for (;;) {
      const shown = await labelledValue(page, settings.DETAIL_CALCOM_UID_LABEL, 1_000);
      shownText = shown?.visible ? shown.text : '';
      const stored = (await db.query<{ uid: string | null }>(uidQuery, [email])).rows[0]?.uid ?? '';
      if (stored !== '' && shownText === stored) uid = stored;
      if (uid !== '' || elapsed() > limit) break;
      outages = await outagesNow();
      outagePolls = outages.length > 0 ? outagePolls + 1 : 0;
      if (outagePolls === 1) outageSince = elapsed();
      stoppedForOutage = outagePolls >= OUTAGE_POLLS && elapsed() - outageSince >= OUTAGE_SPAN_MS;
      if (stoppedForOutage) break;
      await page.waitForTimeout(RELOAD_AFTER_MS[Math.min(reloads++, RELOAD_AFTER_MS.length - 1)] ?? 1_000);
      await page.reload();
    }
    const ms = elapsed();
    await snap(page, 'booking confirmation');
    if (uid === '') {
      const why = stoppedForOutage
        ? `${settings.HEALTH_DETAILED_PATH} reports ${outages.join(', ')}, so it cannot (stopped waiting; the limit is ${limit} ms)`
        : 'the booking did not reach Cal.com';
      throw new Error(
        `Booking flow: the confirmation page shows no Cal.com booking UID ("${settings.DETAIL_CALCOM_UID_LABEL}") after ${ms} ms: ${why}${shownText ? ` (the page shows "${shownText}")` : ''}`,
      );
    }
    console.log(`Booked ${uid} in ${ms} ms`);
    await measure('Booking flow time', ms, 'bookingFlowMs');
  },
);
