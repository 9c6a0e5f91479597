// Seed data: a clinic's week around today, each appointment (but pending_sync) with its booking in
// the Cal.com stand-in. Idempotent, and an existing seeded row is never rewritten: other tests
// checksum seeded rows before and after their runs.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { hashPassword } from './password.ts';

const PATIENTS = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  "Dana O'Neil",
  'Linus Pauling',
  'Marie Curie',
  'Tim Berners-Lee',
  'Hedy Lamarr',
];

const PAST_STATUSES = ['completed', 'completed', 'cancelled', 'completed', 'rejected'] as const;
const FUTURE_STATUSES = [
  'confirmed',
  'confirmed',
  'pending',
  'cancelled',
  'confirmed',
  'pending_sync',
] as const;

/** Local status → the stand-in's booking status (sandbox/README.md). */
export const CALCOM_STATUS: Record<string, 'accepted' | 'pending' | 'cancelled' | 'rejected' | undefined> = {
  confirmed: 'accepted',
  completed: 'accepted',
  pending: 'pending',
  cancelled: 'cancelled',
  rejected: 'rejected',
  pending_sync: undefined,
};

export const EVENT_TYPE = { id: 1, slug: 'consultation', lengthInMinutes: 30 } as const;
export const HOST = { id: 101, name: 'Clinic Front Desk', timeZone: 'Europe/London' } as const;

/** A Cal.com-looking uid (22 characters), stable for one seed row. */
function seedUid(key: string): string {
  return createHash('sha256').update(key).digest('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

function seedUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface SeedOptions {
  loginEmail: string;
  loginPassword: string;
  now?: Date;
}

/** Seeds within one transaction; returns how many appointments it inserted. */
export async function seed(client: pg.PoolClient, opts: SeedOptions): Promise<number> {
  const now = opts.now ?? new Date();
  await client.query('BEGIN');
  try {
    const user = await client.query('SELECT 1 FROM users WHERE email = $1', [opts.loginEmail]);
    if (!user.rowCount) {
      await client.query(
        'INSERT INTO users (name, email, password) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING',
        ['Front Desk', opts.loginEmail, await hashPassword(opts.loginPassword)],
      );
    }
    // A database seeded days ago keeps its rows; a new batch is added only when the window
    // around today holds no seeded appointment any more.
    const inWindow = await client.query(
      `SELECT count(*)::int AS n FROM calcom.bookings
       WHERE metadata->>'seed' = 'true' AND start_time BETWEEN $1::timestamptz - interval '7 days' AND $1::timestamptz + interval '7 days'`,
      [now.toISOString()],
    );
    const pendingSync = await client.query(
      `SELECT count(*)::int AS n FROM appointments WHERE notes = 'seed' AND status = 'pending_sync'
       AND starts_at BETWEEN $1::timestamptz - interval '7 days' AND $1::timestamptz + interval '7 days'`,
      [now.toISOString()],
    );
    let inserted = 0;
    if ((inWindow.rows[0]?.n ?? 0) + (pendingSync.rows[0]?.n ?? 0) < 20) {
      inserted = await seedWeek(client, now);
    }
    for (const [i, daysAgo] of [
      [1, 3],
      [2, 5],
    ] as const) {
      await client.query(
        `INSERT INTO failed_jobs (uuid, connection, queue, payload, exception, failed_at)
         VALUES ($1, 'redis', 'default', $2, $3, now() - make_interval(days => $4))
         ON CONFLICT (uuid) DO NOTHING`,
        [
          seedUuid(`failed-job-${i}`),
          JSON.stringify({
            displayName: 'App\\Jobs\\SendReminder',
            job: 'Illuminate\\Queue\\CallQueuedHandler@call',
          }),
          'Illuminate\\Http\\Client\\ConnectionException: cURL error 28: Operation timed out',
          daysAgo,
        ],
      );
    }
    await client.query('COMMIT');
    return inserted;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

async function seedWeek(client: pg.PoolClient, now: Date): Promise<number> {
  const anchor = now.toISOString().slice(0, 10);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let inserted = 0;
  for (let i = 0; i < 40; i++) {
    const dayOffset = -7 + Math.floor((i * 15) / 40);
    const hour = 9 + ((i * 3) % 8);
    const start = new Date(today + dayOffset * 86_400_000 + hour * 3_600_000 + (i % 2) * 1_800_000);
    const end = new Date(start.getTime() + EVENT_TYPE.lengthInMinutes * 60_000);
    const past = start.getTime() < now.getTime();
    const statuses = past ? PAST_STATUSES : FUTURE_STATUSES;
    const status = statuses[i % statuses.length]!;
    const calStatus = CALCOM_STATUS[status];
    const key = `seed:${anchor}:${i}`;
    const uid = calStatus ? seedUid(key) : null;
    const name = PATIENTS[i % PATIENTS.length]!;
    const email = `patient${i + 1}@clinic.example`;
    const created = new Date(start.getTime() - 3 * 86_400_000);
    const row = await client.query(
      `INSERT INTO appointments (patient_name, client_email, starts_at, ends_at, status, idempotency_key,
         calcom_booking_uid, notes, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'seed', $8, $8)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [name, email, start, end, status, seedUuid(key), uid, created],
    );
    if (!row.rowCount) continue;
    inserted++;
    if (!uid || !calStatus) continue;
    await client.query(
      `INSERT INTO calcom.bookings (uid, title, description, status, cancellation_reason, start_time, end_time,
         event_type_id, attendee_name, attendee_email, attendee_time_zone, location, metadata, created_at, updated_at)
       VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, 'Europe/London', 'Clinic, Room 2', $10, $11, $11)
       ON CONFLICT (uid) DO NOTHING`,
      [
        uid,
        `Consultation between ${HOST.name} and ${name}`,
        calStatus,
        calStatus === 'cancelled' ? 'Patient rescheduled' : null,
        start,
        end,
        EVENT_TYPE.id,
        name,
        email,
        JSON.stringify({ idempotencyKey: seedUuid(key), seed: 'true' }),
        created,
      ],
    );
  }
  return inserted;
}
