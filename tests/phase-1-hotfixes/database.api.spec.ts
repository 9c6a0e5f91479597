// The database the application writes to: reachable, and with the tables and columns phase 1's
// schema fix put there.
import { test } from '../../fixtures/index.ts';
import { missingColumns } from '../../fixtures/api-verdicts.ts';
import { dbError } from '../../fixtures/db.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Database connectivity',
  check({ phase: 1, kind: 'api', covers: 'p1.db-connectivity', critical: true }),
  async ({ db, settings }) => {
    let row: { one: number } | undefined;
    try {
      row = (await db.query<{ one: number }>('SELECT 1 AS one')).rows[0];
    } catch (err) {
      throw dbError(settings, err);
    }
    if (row?.one !== 1) throw new Error('Database connectivity: SELECT 1 did not return 1');
  },
);

test(
  'Schema integrity: the tables and columns the application needs',
  check({ phase: 1, kind: 'api', covers: 'p1.schema-integrity', critical: true }),
  async ({ db, settings }) => {
    // Phase 1's expectations only; phase 2's idempotency key is its own check (idempotency.api.spec.ts).
    const expected: Record<string, string[]> = {
      ...(settings.DB_TABLE_USERS ? { [settings.DB_TABLE_USERS]: [] } : {}),
      [settings.DB_TABLE_APPOINTMENTS]: [
        settings.DB_COL_CLIENT_EMAIL,
        settings.DB_COL_STARTS_AT,
        settings.DB_COL_STATUS,
        settings.DB_COL_CALCOM_UID,
        settings.DB_COL_CREATED_AT,
      ],
    };
    const split = (name: string) => {
      const parts = name.split('.');
      return parts.length === 2
        ? { schema: parts[0] as string, table: parts[1] as string }
        : { schema: null, table: name };
    };
    let rows: { table: string; column: string }[];
    try {
      const names = Object.keys(expected).map((t) => split(t).table);
      rows = (
        await db.query<{ table: string; column: string }>(
          `SELECT table_name AS table, column_name AS column FROM information_schema.columns
           WHERE table_schema = ANY (current_schemas(false)) AND table_name = ANY($1::text[])`,
          [names],
        )
      ).rows;
    } catch (err) {
      throw dbError(settings, err);
    }
    const byShortName: Record<string, string[]> = {};
    for (const [t, cols] of Object.entries(expected)) byShortName[split(t).table] = cols;
    const missing = missingColumns(byShortName, rows);
    if (missing.length > 0) throw new Error(`Schema integrity: missing ${missing.join(', ')}`);
  },
);
