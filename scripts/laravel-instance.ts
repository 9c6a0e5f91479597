// Starts and stops one instance of the reference Laravel app (laravel-app/): `php artisan
// migrate` + `db:seed`, `php -S` with the router script, `queue:work redis`, the heartbeat loop,
// and the Cal.com stand-in (sandbox/calcom-main.ts) it books through. Every process is spawned
// detached in a group of its own with its output in <storage>/processes/<name>.log, so the
// `npm run laravel -- start` command can return while they run; `stop` kills each group.
// An instance is isolated by its ports, database names, Redis prefix and storage folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PHP_INSTALL_HINT } from './setup/decide.ts';
import { alive, groupAlive, onPath } from './setup/probe.ts';
import { runCommand } from './setup/install.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const LARAVEL_APP_DIR = path.join(REPO_ROOT, 'laravel-app');

export const PHP_MISSING_HINT = `PHP is not installed for the reference Laravel app: ${PHP_INSTALL_HINT}`;

const ARTISAN_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 8_000;

export interface LaravelInstanceOptions {
  appPort: number;
  calcomPort: number;
  /** `postgres://user@host:port`, no database. */
  postgresServer: string;
  /** The app's database (DB_DATABASE); created if missing. */
  database: string;
  /** The Cal.com stand-in's own database; created if missing. */
  calcomDatabase: string;
  /** The Redis server; the app uses its db 0 (queue) and db 1 (cache). */
  redisUrl: string;
  /** REDIS_PREFIX: every key of this instance starts with it, in both databases. */
  redisPrefix: string;
  /** The instance's storage folder (sessions, compiled views, bootstrap cache, process logs). */
  storagePath: string;
  /** The Monolog `single` log file. */
  logPath: string;
  /** APP_KEY, `base64:` + 32 bytes. */
  appKey: string;
  calcomApiKey: string;
  webhookSecret: string;
  loginEmail: string;
  loginPassword: string;
  /** How often the heartbeat job is dispatched. */
  heartbeatEverySeconds: number;
  /** APP_TIMEZONE: the log's timestamps and the database's wall-clock times (default UTC). */
  timezone?: string;
  /**
   * Self-tests: the pid whose end ends this instance's processes too. They run in groups of
   * their own (for `stop`), so a test process that is killed would otherwise leave them behind.
   */
  ownerPid?: number;
}

export type LaravelProcessName = 'calcom' | 'server' | 'worker' | 'heartbeat';

export type LaravelPids = Partial<Record<LaravelProcessName, number>>;

export function newAppKey(): string {
  return `base64:${randomBytes(32).toString('base64')}`;
}

export function phpAvailable(): boolean {
  return onPath('php') !== undefined;
}

/** The app's own environment (its .env, as variables): what `php` and `artisan` see. */
export function laravelEnv(o: LaravelInstanceOptions): Record<string, string> {
  const db = new URL(o.postgresServer);
  const redis = new URL(o.redisUrl);
  const cacheDir = path.join(o.storagePath, 'bootstrap-cache');
  return {
    APP_NAME: 'Clinic Booking',
    APP_ENV: 'production',
    APP_DEBUG: 'false',
    APP_KEY: o.appKey,
    APP_URL: `http://127.0.0.1:${o.appPort}`,
    APP_TIMEZONE: o.timezone ?? 'UTC',
    APP_STORAGE_PATH: o.storagePath,
    APP_SERVICES_CACHE: path.join(cacheDir, 'services.php'),
    APP_PACKAGES_CACHE: path.join(cacheDir, 'packages.php'),
    APP_CONFIG_CACHE: path.join(cacheDir, 'config.php'),
    APP_ROUTES_CACHE: path.join(cacheDir, 'routes-v7.php'),
    APP_EVENTS_CACHE: path.join(cacheDir, 'events.php'),
    LOG_CHANNEL: 'single',
    LOG_PATH: o.logPath,
    DB_CONNECTION: 'pgsql',
    DB_HOST: db.hostname,
    DB_PORT: db.port || '5432',
    DB_DATABASE: o.database,
    DB_USERNAME: decodeURIComponent(db.username || 'postgres'),
    DB_PASSWORD: decodeURIComponent(db.password),
    REDIS_HOST: redis.hostname,
    REDIS_PORT: redis.port || '6379',
    REDIS_PASSWORD: decodeURIComponent(redis.password) || 'null',
    REDIS_PREFIX: o.redisPrefix,
    REDIS_DB: '0',
    REDIS_CACHE_DB: '1',
    CACHE_DRIVER: 'redis',
    QUEUE_CONNECTION: 'redis',
    SESSION_DRIVER: 'file',
    CALCOM_API_URL: `http://127.0.0.1:${o.calcomPort}`,
    CALCOM_API_KEY: o.calcomApiKey,
    CALCOM_WEBHOOK_SECRET: o.webhookSecret,
    SEED_USER_EMAIL: o.loginEmail,
    SEED_USER_PASSWORD: o.loginPassword,
    QUEUE_HEARTBEAT_EVERY: String(o.heartbeatEverySeconds),
  };
}

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8' };
}

/** Creates the database if it is missing (through the server's `postgres` database). */
export async function ensureDatabase(postgresServer: string, name: string): Promise<void> {
  const client = new pg.Client({
    connectionString: `${postgresServer}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
      if (err.code !== '42P04' && err.code !== '23505') throw err;
    });
  } finally {
    await client.end();
  }
}

export async function dropDatabase(postgresServer: string, name: string): Promise<void> {
  const client = new pg.Client({
    connectionString: `${postgresServer}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

function prepareStorage(o: LaravelInstanceOptions): void {
  for (const dir of [
    'framework/sessions',
    'framework/views',
    'framework/cache/data',
    'logs',
    'app',
    'bootstrap-cache',
    'processes',
  ]) {
    mkdirSync(path.join(o.storagePath, dir), { recursive: true });
  }
  mkdirSync(path.dirname(o.logPath), { recursive: true });
}

/** Runs `php artisan <args>` in the app; throws with its output's tail when it fails. */
export async function artisan(o: LaravelInstanceOptions, args: string[]): Promise<string> {
  const res = await runCommand('php', ['artisan', ...args], {
    timeoutMs: ARTISAN_TIMEOUT_MS,
    cwd: LARAVEL_APP_DIR,
    env: { ...baseEnv(), ...laravelEnv(o) },
  });
  if (!res.ok) throw new Error(`php artisan ${args.join(' ')} failed:\n${res.tail}`);
  return res.tail;
}

function processLog(o: LaravelInstanceOptions, name: LaravelProcessName): string {
  return path.join(o.storagePath, 'processes', `${name}.log`);
}

/** The command line of each long-running process. */
function command(
  o: LaravelInstanceOptions,
  name: LaravelProcessName,
): { cmd: string; args: string[]; env: Record<string, string>; cwd: string } {
  const app = { ...baseEnv(), ...laravelEnv(o) };
  switch (name) {
    case 'calcom':
      return {
        cmd: process.execPath,
        args: ['--import', 'tsx', 'sandbox/calcom-main.ts'],
        cwd: REPO_ROOT,
        env: {
          ...baseEnv(),
          SANDBOX_CALCOM_PORT: String(o.calcomPort),
          SANDBOX_DATABASE_URL: `${o.postgresServer}/${o.calcomDatabase}`,
          SANDBOX_CALCOM_API_KEY: o.calcomApiKey,
          SANDBOX_WEBHOOK_SECRET: o.webhookSecret,
          SANDBOX_CALCOM_WEBHOOK_URL: `http://127.0.0.1:${o.appPort}/webhooks/calcom`,
        },
      };
    case 'server':
      // Four workers: a request that waits on Cal.com, which waits on our webhook, needs a second.
      return {
        cmd: 'php',
        args: ['-S', `127.0.0.1:${o.appPort}`, '-t', 'public', 'server.php'],
        cwd: LARAVEL_APP_DIR,
        env: { ...app, PHP_CLI_SERVER_WORKERS: '4' },
      };
    case 'worker':
      return {
        cmd: 'php',
        args: ['artisan', 'queue:work', 'redis', '--sleep=1', '--tries=5'],
        cwd: LARAVEL_APP_DIR,
        env: app,
      };
    case 'heartbeat':
      return {
        cmd: 'php',
        args: ['artisan', 'health:queue-heartbeat', '--loop'],
        cwd: LARAVEL_APP_DIR,
        env: app,
      };
  }
}

/**
 * A detached shell that kills the group `pid` leads once `owner` is gone (or the leader is). A
 * zombie counts as gone: where PID 1 does not reap, a killed owner lingers as one.
 */
function watchOwner(owner: number, pid: number): void {
  const script = [
    'alive() { if [ -r "/proc/$1/stat" ]; then [ "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]; else kill -0 "$1" 2>/dev/null; fi; }',
    'while alive "$0" && alive "$1"; do sleep 1; done',
    'kill -9 -"$1" 2>/dev/null',
  ].join('\n');
  spawn('sh', ['-c', script, String(owner), String(pid)], { detached: true, stdio: 'ignore' }).unref();
}

/** Starts one process detached, in its own group, output appended to its process log. */
export function spawnProcess(o: LaravelInstanceOptions, name: LaravelProcessName): number {
  const { cmd, args, env, cwd } = command(o, name);
  const fd = openSync(processLog(o, name), 'a');
  try {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd} ${args.join(' ')}`);
    child.unref();
    if (o.ownerPid !== undefined) watchOwner(o.ownerPid, child.pid);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * SIGTERM to the process group (php -S forks workers that outlive their master), then waits
 * until every member is gone, SIGKILL if one lingers.
 */
export async function killGroup(pid: number, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    }
  };
  if (!groupAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  signal('SIGKILL');
}

export async function stopProcesses(pids: LaravelPids): Promise<void> {
  // The heartbeat and the server first, so that no new job arrives while the worker stops.
  for (const name of ['heartbeat', 'server', 'worker', 'calcom'] as const) {
    const pid = pids[name];
    if (pid !== undefined) await killGroup(pid);
  }
}

export function readProcessLog(o: LaravelInstanceOptions, name: LaravelProcessName): string {
  try {
    return readFileSync(processLog(o, name), 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

interface HealthJson {
  checkResults?: { name: string; status: string; notificationMessage?: string }[];
}

/** Waits until /health reports every check ok (so the worker has run a job) or the time is up. */
export async function waitUntilHealthy(
  appUrl: string,
  timeoutMs: number,
  pids: LaravelPids,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const deadline = Date.now() + timeoutMs;
  let why = 'no answer yet';
  while (Date.now() < deadline) {
    for (const [name, pid] of Object.entries(pids)) {
      if (pid !== undefined && !alive(pid)) return { ok: false, why: `the ${name} process exited` };
    }
    try {
      const res = await fetch(`${appUrl}/health`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json()) as HealthJson;
      const bad = (body.checkResults ?? []).filter((c) => c.status !== 'ok');
      if (res.ok && body.checkResults?.length && bad.length === 0) return { ok: true };
      why =
        bad.map((c) => `${c.name}: ${c.notificationMessage ?? c.status}`).join('; ') || `HTTP ${res.status}`;
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ok: false, why };
}

/** Polls until `url` answers at all (any HTTP status), the time is up, or a process died. */
export async function waitForHttp(url: string, timeoutMs: number, pids: LaravelPids = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (Object.values(pids).some((pid) => pid !== undefined && !alive(pid))) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

async function waitUntilSynced(o: LaravelInstanceOptions, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: `${o.postgresServer}/${o.database}`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await client.query<{ n: number }>(
        // BookingSeeder's marker: bookings made later are the app's business, synced or not.
        "SELECT count(*)::int AS n FROM bookings WHERE cal_uid IS NULL AND notes = 'Imported from the paper diary'",
      );
      if (r.rows[0]?.n === 0) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  } finally {
    await client.end();
  }
}

export interface RunningLaravel {
  appUrl: string;
  calcomUrl: string;
  pids: LaravelPids;
}

/**
 * Migrates and seeds, starts the four processes and waits until /health is all ok. On failure
 * it stops what it started and throws with the processes' output.
 */
export async function startLaravelInstance(
  o: LaravelInstanceOptions,
  readyTimeoutMs = 45_000,
): Promise<RunningLaravel> {
  if (!phpAvailable()) throw new Error(PHP_MISSING_HINT);
  prepareStorage(o);
  await ensureDatabase(o.postgresServer, o.database);
  await artisan(o, ['migrate', '--force']);
  await artisan(o, ['db:seed', '--force']);
  const pids: LaravelPids = {};
  const appUrl = `http://127.0.0.1:${o.appPort}`;
  const calcomUrl = `http://127.0.0.1:${o.calcomPort}`;
  const fail = async (why: string): Promise<never> => {
    await stopProcesses(pids);
    const logs = (['calcom', 'server', 'worker', 'heartbeat'] as const)
      .map((n) => `--- ${n} ---\n${readProcessLog(o, n)}`)
      .join('\n');
    throw new Error(`the Laravel app did not start: ${why}\n${logs}`);
  };
  try {
    // Cal.com first: a sync job that met no Cal.com would log an ERROR and wait for its retry.
    pids.calcom = spawnProcess(o, 'calcom');
    if (!(await waitForHttp(calcomUrl, readyTimeoutMs, pids)))
      await fail('the Cal.com stand-in did not answer');
    // The app before the worker, so that Cal.com's webhooks for the seeded week find it.
    pids.server = spawnProcess(o, 'server');
    if (!(await waitForHttp(`${appUrl}/up`, readyTimeoutMs, pids))) await fail('php -S did not answer');
    pids.worker = spawnProcess(o, 'worker');
    pids.heartbeat = spawnProcess(o, 'heartbeat');
  } catch (err) {
    await stopProcesses(pids);
    throw err;
  }
  const ready = await waitUntilHealthy(appUrl, readyTimeoutMs, pids);
  if (!ready.ok) await fail(`not healthy in ${readyTimeoutMs} ms (${ready.why})`);
  // The seeded week is synced by the worker: ready means nothing the seeder queued is left.
  if (!(await waitUntilSynced(o, readyTimeoutMs)))
    await fail('the seeded bookings were not synced to Cal.com');
  return { appUrl, calcomUrl, pids };
}
