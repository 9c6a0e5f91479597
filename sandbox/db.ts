// The sandbox's PostgreSQL: its own database (created if missing), Laravel-style migrations with
// their `migrations` bookkeeping table, and the `calcom` schema where the stand-in keeps its
// bookings. Several sandboxes may start against one database at once: an advisory lock
// serialises migrating and seeding.
import pg from 'pg';

const MIGRATION_LOCK = 742_001;

/** Creates the database named in `url` through the server's `postgres` database, if missing. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('SANDBOX_DATABASE_URL: names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (err) {
      // Another sandbox created it between our look and our create.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  } finally {
    await client.end();
  }
}

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

interface Migration {
  name: string;
  sql: string;
}

const MIGRATIONS: Migration[] = [
  {
    name: '2014_10_12_000000_create_users_table',
    sql: `CREATE TABLE IF NOT EXISTS users (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      email text NOT NULL UNIQUE,
      password text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    name: '2019_08_19_000000_create_failed_jobs_table',
    sql: `CREATE TABLE IF NOT EXISTS failed_jobs (
      id bigserial PRIMARY KEY,
      uuid text NOT NULL UNIQUE,
      connection text NOT NULL,
      queue text NOT NULL,
      payload text NOT NULL,
      exception text NOT NULL,
      failed_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    name: '2019_12_14_000001_create_jobs_table',
    sql: `CREATE TABLE IF NOT EXISTS jobs (
      id bigserial PRIMARY KEY,
      queue text NOT NULL,
      payload text NOT NULL,
      attempts smallint NOT NULL,
      reserved_at integer,
      available_at integer NOT NULL,
      created_at integer NOT NULL);
      CREATE INDEX IF NOT EXISTS jobs_queue_index ON jobs (queue)`,
  },
  {
    name: '2024_01_10_000000_create_appointments_table',
    sql: `CREATE TABLE IF NOT EXISTS appointments (
      id bigserial PRIMARY KEY,
      patient_name text NOT NULL,
      client_email text NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('confirmed','pending','cancelled','completed','rejected','pending_sync')),
      idempotency_key text NOT NULL,
      calcom_booking_uid text UNIQUE,
      notes text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT appointments_idempotency_key_unique UNIQUE (idempotency_key));
      CREATE INDEX IF NOT EXISTS appointments_starts_at_index ON appointments (starts_at)`,
  },
  {
    name: '2024_01_11_000000_create_webhook_events_table',
    sql: `CREATE TABLE IF NOT EXISTS webhook_events (
      id bigserial PRIMARY KEY,
      dedup_key text NOT NULL UNIQUE,
      trigger_event text NOT NULL,
      booking_uid text,
      payload jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    name: '2024_01_12_000000_create_events_table',
    sql: `CREATE TABLE IF NOT EXISTS events (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    // The Cal.com stand-in's own store: not part of the app, only sharing its database.
    name: '2024_01_20_000000_create_calcom_standin_schema',
    sql: `CREATE SCHEMA IF NOT EXISTS calcom;
      CREATE TABLE IF NOT EXISTS calcom.bookings (
        id bigserial PRIMARY KEY,
        uid text NOT NULL UNIQUE,
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        status text NOT NULL CHECK (status IN ('accepted','cancelled','rejected','pending')),
        cancellation_reason text,
        start_time timestamptz NOT NULL,
        end_time timestamptz NOT NULL,
        event_type_id integer NOT NULL,
        attendee_name text NOT NULL,
        attendee_email text NOT NULL,
        attendee_time_zone text NOT NULL,
        attendee_language text NOT NULL DEFAULT 'en',
        guests jsonb NOT NULL DEFAULT '[]'::jsonb,
        location text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        drift boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX IF NOT EXISTS calcom_bookings_start_index ON calcom.bookings (start_time)`,
  },
  {
    // Where the idempotency keys wait while the schema_missing_idempotency fault has dropped
    // the column, so that switching the fault off restores them unchanged.
    name: '2024_01_21_000000_create_sandbox_saved_keys_table',
    sql: `CREATE TABLE IF NOT EXISTS sandbox_saved_idempotency_keys (
      appointment_id bigint PRIMARY KEY,
      idempotency_key text NOT NULL)`,
  },
];

/** Runs `fn` holding the sandbox's advisory lock on a dedicated connection. */
export async function withMigrationLock<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Applies the migrations not yet recorded, as one new batch. Idempotent. */
export async function migrate(client: pg.PoolClient): Promise<string[]> {
  await client.query(`CREATE TABLE IF NOT EXISTS migrations (
    id serial PRIMARY KEY, migration text NOT NULL UNIQUE, batch integer NOT NULL)`);
  const done = new Set(
    (await client.query<{ migration: string }>('SELECT migration FROM migrations')).rows.map(
      (r) => r.migration,
    ),
  );
  const todo = MIGRATIONS.filter((m) => !done.has(m.name));
  if (!todo.length) return [];
  const batch = (await client.query<{ b: number }>('SELECT COALESCE(MAX(batch), 0) + 1 AS b FROM migrations'))
    .rows[0]!.b;
  for (const m of todo) {
    await client.query('BEGIN');
    try {
      await client.query(m.sql);
      await client.query('INSERT INTO migrations (migration, batch) VALUES ($1, $2)', [m.name, batch]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  }
  return todo.map((m) => m.name);
}

export async function hasIdempotencyColumn(db: pg.Pool | pg.PoolClient): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'appointments' AND column_name = 'idempotency_key'`,
  );
  return (r.rowCount ?? 0) > 0;
}

/** The schema_missing_idempotency fault: keeps the keys aside, then drops the column. */
export async function dropIdempotencyColumn(pool: pg.Pool): Promise<void> {
  await withMigrationLock(pool, async (c) => {
    if (!(await hasIdempotencyColumn(c))) return;
    await c.query('BEGIN');
    try {
      await c.query(`INSERT INTO sandbox_saved_idempotency_keys (appointment_id, idempotency_key)
        SELECT id, idempotency_key FROM appointments
        ON CONFLICT (appointment_id) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key`);
      await c.query('ALTER TABLE appointments DROP COLUMN idempotency_key');
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}

/** Undoes the fault: the saved keys come back; rows created meanwhile get fresh UUIDs. */
export async function restoreIdempotencyColumn(pool: pg.Pool): Promise<void> {
  await withMigrationLock(pool, async (c) => {
    if (await hasIdempotencyColumn(c)) return;
    await c.query('BEGIN');
    try {
      await c.query('ALTER TABLE appointments ADD COLUMN idempotency_key text');
      await c.query(`UPDATE appointments a SET idempotency_key = s.idempotency_key
        FROM sandbox_saved_idempotency_keys s WHERE s.appointment_id = a.id`);
      await c.query(
        'UPDATE appointments SET idempotency_key = gen_random_uuid()::text WHERE idempotency_key IS NULL',
      );
      await c.query('ALTER TABLE appointments ALTER COLUMN idempotency_key SET NOT NULL');
      await c.query(
        'ALTER TABLE appointments ADD CONSTRAINT appointments_idempotency_key_unique UNIQUE (idempotency_key)',
      );
      await c.query('DELETE FROM sandbox_saved_idempotency_keys');
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}
