// Cal.com's webhooks as Cal.com sends them (CALCOM.md): a repeat is stored once, a forged one is
// refused and stores nothing. The bookings in them are synthetic and removed after.
import { test } from '../../fixtures/index.ts';
import { signWebhook } from '../../fixtures/webhook-signature.ts';
import { dbError, ident } from '../../fixtures/db.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import type { Synthetic } from '../../fixtures/synthetic.ts';
import { check } from '../../fixtures/tags.ts';

function webhookBody(s: Synthetic, n: number, eventTypeId: number): { uid: string; raw: string } {
  const uid = s.bookingUid(n);
  const start = s.startsAt(n);
  const end = new Date(start.getTime() + 30 * 60_000);
  s.trackBookingUid(uid);
  s.trackEmail(s.email(n));
  const raw = JSON.stringify({
    triggerEvent: 'BOOKING_CREATED',
    createdAt: new Date().toISOString(),
    payload: {
      type: 'consultation',
      title: `${s.patientName} health check`,
      startTime: start.toISOString(),
      endTime: end.toISOString(),
      attendees: [{ email: s.email(n), name: s.patientName, timeZone: 'UTC' }],
      uid,
      bookingId: 0,
      eventTypeId,
      length: 30,
      status: 'ACCEPTED',
      metadata: { phasegate: s.tag },
    },
  });
  return { uid, raw };
}

test(
  'Webhook deduplication: a repeated webhook is stored once',
  check({ phase: 2, kind: 'api', covers: 'p2.webhook-dedup', critical: true }),
  async ({ app, db, synthetic, settings }) => {
    const path = requireSetting(settings.WEBHOOK_PATH, 'WEBHOOK_PATH', 'the Cal.com webhook endpoint');
    const secret = requireSetting(
      settings.CALCOM_WEBHOOK_SECRET,
      'CALCOM_WEBHOOK_SECRET',
      'the webhook signing secret',
    );
    const table = requireSetting(
      settings.DB_TABLE_WEBHOOK_EVENTS,
      'DB_TABLE_WEBHOOK_EVENTS',
      'the table the app stores received webhooks in',
    );
    const { uid, raw } = webhookBody(synthetic, synthetic.next(), settings.CALCOM_EVENT_TYPE_ID);
    const headers = {
      'content-type': 'application/json',
      'x-cal-signature-256': signWebhook(raw, secret),
      'x-cal-webhook-version': '2021-10-20',
    };
    for (const attempt of ['first', 'repeated']) {
      const res = await app.send('POST', path, { headers, body: raw });
      if (res.status < 200 || res.status >= 300) {
        throw new Error(
          `Webhook deduplication: the ${attempt} delivery was answered HTTP ${res.status}: ${res.text.slice(0, 120)}`,
        );
      }
    }
    let stored: number;
    try {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${ident(table)} WHERE ${ident(settings.DB_COL_WEBHOOK_BOOKING_UID)} = $1`,
        [uid],
      );
      stored = r.rows[0]?.n ?? 0;
    } catch (err) {
      throw dbError(settings, err);
    }
    if (stored !== 1) {
      throw new Error(
        `Webhook deduplication: the same webhook delivered twice was stored ${stored} times (expected once)`,
      );
    }
  },
);

test(
  'Webhook signature enforced',
  check({ phase: 2, kind: 'api', covers: 'p2.webhook-signature', critical: true }),
  async ({ app, db, synthetic, settings }) => {
    const path = requireSetting(settings.WEBHOOK_PATH, 'WEBHOOK_PATH', 'the Cal.com webhook endpoint');
    const { uid, raw } = webhookBody(synthetic, synthetic.next(), settings.CALCOM_EVENT_TYPE_ID);
    const res = await app.send('POST', path, {
      headers: {
        'content-type': 'application/json',
        'x-cal-signature-256': signWebhook(raw, 'not-the-secret'),
      },
      body: raw,
    });
    // Where the app stores no webhooks (DB_TABLE_WEBHOOK_EVENTS=none), the answer alone is judged.
    const table = settings.DB_TABLE_WEBHOOK_EVENTS;
    let stored = 0;
    try {
      if (table !== undefined) {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${ident(table)} WHERE ${ident(settings.DB_COL_WEBHOOK_BOOKING_UID)} = $1`,
          [uid],
        );
        stored = r.rows[0]?.n ?? 0;
      }
    } catch (err) {
      throw dbError(settings, err);
    }
    // 401/403 only: a 404 or 500 would "refuse" it without proving the signature is checked.
    if (res.status !== 401 && res.status !== 403) {
      throw new Error(
        `Webhook signature NOT enforced: a webhook with a wrong signature was answered HTTP ${res.status} (expected 401 or 403); ${stored} rows stored`,
      );
    }
    if (stored > 0)
      throw new Error(`Webhook signature: refused with HTTP ${res.status}, yet ${stored} rows were stored`);
  },
);
