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

/**
 * Per table (every table of every schema but the system ones), the md5 of its non-synthetic rows
 * in their text form, sorted — so any changed byte, deleted row or added non-synthetic row shows,
 * and synthetic rows (marker anywhere in the row) are left out.
 */
export async function nonSyntheticFingerprint(databaseUrl: string): Promise<Record<string, string>> {
  return withClient(databaseUrl, async (c) => {
    const tables = await c.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    const out: Record<string, string> = {};
    for (const t of tables.rows) {
      const q = `"${t.schema}"."${t.name}"`;
      const r = await c.query<{ row: string }>(
        `SELECT t::text AS row FROM ${q} t WHERE position($1 in t::text) = 0 ORDER BY 1`,
        [MARKER],
      );
      const h = createHash('md5');
      for (const x of r.rows) h.update(`${x.row}\n`);
      out[`${t.schema}.${t.name}`] = `${r.rows.length}:${h.digest('hex')}`;
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

/** The rows that differ between two fingerprints, by table. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).map((n) => `${n}: ${before[n]} → ${after[n]}`);
}
