// What the data-safety tests measure on a sandbox target: a fingerprint of every non-synthetic
// row (seeded data must stay byte-for-byte the same, and nothing non-synthetic may appear), and
// every synthetic leftover the suite could have left in Postgres, Redis and Cal.com.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const MARKER = 'phasegate-synthetic';

async function withClient<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5000,
    statement_timeout: 30_000,
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TableState {
  /** The highest `id` when the snapshot was taken (tables without an `id`: null). */
  maxId: number | null;
  /** md5 of the non-synthetic rows that existed then (id <= maxId), sorted, in text form. */
  seeded: string;
  /** Non-synthetic rows added since `maxId`. */
  added: number;
}

/**
 * Per table (every table of every schema but the system ones): a fingerprint of the rows that
 * are not synthetic (marker nowhere in the row). Taken again later with the first snapshot's
 * `maxId`s, any changed byte or deleted row of the seeded data shows in `seeded`, and any
 * non-synthetic row written since shows in `added`.
 */
export async function nonSyntheticFingerprint(
  databaseUrl: string,
  since?: Record<string, TableState>,
): Promise<Record<string, TableState>> {
  return withClient(databaseUrl, async (c) => {
    const tables = await c.query<{ schema: string; name: string; has_id: boolean }>(
      `SELECT t.table_schema AS schema, t.table_name AS name,
              EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = t.table_schema
                        AND c.table_name = t.table_name AND c.column_name = 'id') AS has_id
         FROM information_schema.tables t
        WHERE t.table_type = 'BASE TABLE' AND t.table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    const out: Record<string, TableState> = {};
    for (const t of tables.rows) {
      const name = `${t.schema}.${t.name}`;
      const q = `"${t.schema}"."${t.name}"`;
      let maxId: number | null = since?.[name]?.maxId ?? null;
      if (!since && t.has_id) {
        maxId = Number(
          (await c.query<{ m: string | null }>(`SELECT max(id) AS m FROM ${q}`)).rows[0]?.m ?? 0,
        );
      }
      const old = maxId === null ? '' : 'AND t.id <= $2';
      const rows = await c.query<{ row: string }>(
        `SELECT t::text AS row FROM ${q} t WHERE position($1 in t::text) = 0 ${old} ORDER BY 1`,
        maxId === null ? [MARKER] : [MARKER, maxId],
      );
      const h = createHash('md5');
      for (const x of rows.rows) h.update(`${x.row}\n`);
      const added =
        maxId === null
          ? 0
          : Number(
              (
                await c.query<{ n: string }>(
                  `SELECT count(*) AS n FROM ${q} t WHERE position($1 in t::text) = 0 AND t.id > $2`,
                  [MARKER, maxId],
                )
              ).rows[0]?.n ?? 0,
            );
      out[name] = { maxId, seeded: `${rows.rows.length}:${h.digest('hex')}`, added };
    }
    return out;
  });
}

export interface Leftovers {
  appointments: number;
  webhookEvents: number;
  events: number;
  /** Cal.com bookings of synthetic attendees that are not cancelled. */
  activeCalcomBookings: number;
  redisKeys: number;
  queuedJobs: number;
}

export function total(l: Leftovers): number {
  return Object.values(l).reduce((a, b) => a + b, 0);
}

/** Every synthetic record still present on the sandbox target. */
export async function syntheticLeftovers(
  databaseUrl: string,
  redisUrl: string,
  redisPrefix: string,
): Promise<Leftovers> {
  const sql = await withClient(databaseUrl, async (c) => {
    const count = async (query: string) =>
      Number((await c.query<{ n: string }>(query, [`%${MARKER}%`])).rows[0]?.n ?? 0);
    return {
      appointments: await count(`SELECT count(*) AS n FROM appointments t WHERE t::text LIKE $1`),
      webhookEvents: await count(`SELECT count(*) AS n FROM webhook_events t WHERE t::text LIKE $1`),
      events: await count(`SELECT count(*) AS n FROM events t WHERE t::text LIKE $1`),
      activeCalcomBookings: await count(
        `SELECT count(*) AS n FROM calcom.bookings t WHERE t::text LIKE $1 AND status <> 'cancelled'`,
      ),
    };
  });
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let redisKeys = 0;
    let queuedJobs = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) {
        if (k.includes(MARKER)) redisKeys++;
        else if (k.includes('queues:') && (await redis.type(k)) === 'list') {
          const items = await redis.lrange(k, 0, -1);
          queuedJobs += items.filter((i) => i.includes(MARKER)).length;
        }
      }
    } while (cursor !== '0');
    return { ...sql, redisKeys, queuedJobs };
  } finally {
    redis.disconnect();
  }
}

/**
 * The application's own records derived from a synthetic booking (its event log rows, e.g.
 * `appointment.created` with the appointment's id): written by the application, not the suite,
 * and not synthetic-marked, so the suite must not delete them either (DESIGN.md: nothing may
 * change or delete a non-synthetic record). New rows there are expected; changed seeded rows are not.
 */
export const APPLICATION_SIDE_EFFECTS = new Set(['public.events', 'public.jobs', 'public.failed_jobs']);

/** Seeded rows changed or deleted, and non-synthetic rows the suite added, by table. */
export function changedTables(
  before: Record<string, TableState>,
  after: Record<string, TableState>,
): string[] {
  const out: string[] = [];
  for (const [name, b] of Object.entries(before)) {
    const a = after[name];
    if (!a) out.push(`${name}: table gone`);
    else if (a.seeded !== b.seeded) out.push(`${name}: seeded rows changed (${b.seeded} → ${a.seeded})`);
    else if (a.added > 0 && !APPLICATION_SIDE_EFFECTS.has(name))
      out.push(`${name}: ${a.added} non-synthetic rows added`);
  }
  return out;
}
