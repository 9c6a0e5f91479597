// The PostgreSQL server and Redis a self-test should use: the configured ones, or the fallbacks
// `npm run setup` started where none answered (npm test passes them as DATABASE_URL / REDIS_URL,
// and storage/setup/services.env holds them for a test run by hand). Use this instead of
// writing 127.0.0.1:5432 / :6379, so `npm test` also passes on a machine without those services.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnv } from '../../config/env.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestServices {
  /** `postgres://user@host:port`, no database: append `/<name>`. */
  postgresServer: string;
  /** The server's maintenance database, for CREATE / DROP DATABASE. */
  postgresAdminUrl: string;
  /** A database URL on that server. */
  databaseUrl(name: string): string;
  redisUrl: string;
}

export function testServices(
  source: Record<string, string | undefined> = process.env,
  cwd = REPO,
): TestServices {
  const settings = loadEnv(source, cwd);
  const db = new URL(settings.DATABASE_URL);
  db.pathname = '';
  db.search = '';
  const postgresServer = db.toString().replace(/\/$/, '');
  return {
    postgresServer,
    postgresAdminUrl: `${postgresServer}/postgres`,
    databaseUrl: (name) => `${postgresServer}/${name}`,
    redisUrl: settings.REDIS_URL,
  };
}
