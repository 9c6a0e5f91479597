// Phase 2's idempotency keys: a column, a unique index on it alone, and a key on every row.
import { test } from '../../fixtures/index.ts';
import { dbError, ident } from '../../fixtures/db.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Idempotency keys: column, unique index, no nulls',
  check({ phase: 2, kind: 'api', covers: 'p2.idempotency-schema', critical: true }),
  async ({ db, settings }) => {
    const table = settings.DB_TABLE_APPOINTMENTS;
    const column = requireSetting(
      settings.DB_COL_IDEMPOTENCY_KEY,
      'DB_COL_IDEMPOTENCY_KEY',
      'the appointments column holding the idempotency key',
    );
    try {
      const exists = await db.query(
        `SELECT 1 FROM information_schema.columns
         WHERE table_schema = ANY (current_schemas(false)) AND table_name = $1 AND column_name = $2`,
        [table.split('.').pop(), column],
      );
      if (!exists.rowCount) throw new Error(`Idempotency keys: column ${table}.${column} is missing`);
      // A unique index (or constraint) on exactly this column.
      const unique = await db.query(
        `SELECT 1 FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnatts = 1 AND a.attname = $2
           AND i.indpred IS NULL`,
        [table, column],
      );
      if (!unique.rowCount) throw new Error(`Idempotency keys: ${table}.${column} has no unique index`);
      const nulls = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${ident(table)} WHERE ${ident(column)} IS NULL OR ${ident(column)}::text = ''`,
      );
      const n = nulls.rows[0]?.n ?? 0;
      if (n > 0) throw new Error(`Idempotency keys: ${n} appointments have no ${column}`);
    } catch (err) {
      if ((err as Error).message.startsWith('Idempotency keys:')) throw err;
      throw dbError(settings, err);
    }
  },
);
