// Starts an isolated instance of the reference Laravel app (laravel-app/) for a self-test: free
// ports, its own databases (app and Cal.com stand-in), Redis prefix, storage folder and log, so
// that any test file can run alongside any other. `stop()` kills its processes and removes the
// databases, its Redis keys (db 0 and db 1) and the temp folder. Needs PHP (`npm run setup`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  dropDatabase,
  killGroup,
  laravelEnv,
  newAppKey,
  readProcessLog,
  spawnProcess,
  startLaravelInstance,
  stopProcesses,
  type LaravelInstanceOptions,
  type LaravelPids,
  type LaravelProcessName,
  waitForHttp,
} from '../../scripts/laravel-instance.ts';
import { alive } from '../../scripts/setup/probe.ts';
import { freePorts } from './ports.ts';
import { deleteRedisKeys } from './sandbox.ts';
import { testServices } from './services.ts';

export interface StartTestLaravelOptions {
  /** Seconds between heartbeat jobs (default 2, so a stopped worker shows within seconds). */
  heartbeatEverySeconds?: number;
  /** How long to wait for /health to be all ok (default 60 s). */
  readyTimeoutMs?: number;
  /** The app's APP_TIMEZONE (default UTC): its log's timestamps and the database's times. */
  timezone?: string;
}

export interface TestLaravel {
  appUrl: string;
  calcomUrl: string;
  /** The app's database (bookings, users, webhook_calls, failed_jobs, migrations). */
  databaseUrl: string;
  /** The Cal.com stand-in's database (schema `calcom`). */
  calcomDatabaseUrl: string;
  /** The Redis server, no db index: the queue is in db 0, the cache in db 1. */
  redisUrl: string;
  /** Laravel's connection prefix (REDIS_PREFIX), in front of every key in both databases. */
  redisPrefix: string;
  /** Laravel's cache prefix; the Redis store appends `:` (`<redisPrefix><cachePrefix>:<key>`). */
  cachePrefix: string;
  /** The queue's list: `<redisPrefix>queues:default` in db 0. */
  queueKey: string;
  /** The heartbeat's full key in db 1 (PHP-serialized ISO time). */
  heartbeatKey: string;
  /** The Monolog `single` log. */
  logPath: string;
  /** The instance's storage folder (sessions, views, process logs). */
  storagePath: string;
  loginEmail: string;
  loginPassword: string;
  calcomApiKey: string;
  webhookSecret: string;
  /** The app's own environment, as its PHP processes see it (APP_KEY, DB_DATABASE, REDIS_PREFIX, ...). */
  env(): Record<string, string>;
  /**
   * The suite's settings whose values differ per instance (TARGET_URL, CALCOM_API_URL,
   * DATABASE_URL, REDIS_URL, REDIS_PREFIX, CACHE_PREFIX, APP_LOG_PATH, CALCOM_API_KEY,
   * CALCOM_WEBHOOK_SECRET, LOGIN_EMAIL, LOGIN_PASSWORD): spread over the app's env file.
   */
  suiteEnv(): Record<string, string>;
  /** The processes' output so far (php -S, queue:work, heartbeat, stand-in), for failure messages. */
  output(): string;
  /** Stops `queue:work` (SIGTERM: it finishes the job in hand, as on a deploy). */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  /** Stops / restarts the Cal.com stand-in (its bookings stay in its database). */
  stopCalcom(): Promise<void>;
  startCalcom(): Promise<void>;
  /** Stops / restarts `php -S` (the app's process; worker and heartbeat keep running). */
  stopApp(): Promise<void>;
  startApp(): Promise<void>;
  /** Kills every process, drops both databases, deletes the prefix's keys, removes the folder. */
  stop(): Promise<void>;
}

const services = testServices();
const CACHE_PREFIX = 'clinic_booking_cache';

/** The instance's keys in both of Laravel's Redis databases (queue: 0, cache: 1). */
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  for (const db of [0, 1]) await deleteRedisKeys(prefix, `${redisUrl}/${db}`);
}

export async function startTestLaravel(opts: StartTestLaravelOptions = {}): Promise<TestLaravel> {
  const [appPort, calcomPort] = (await freePorts(2)) as [number, number];
  const hex = randomBytes(5).toString('hex');
  const redisServer = (() => {
    const u = new URL(services.redisUrl);
    u.pathname = '';
    return u.toString().replace(/\/$/, '');
  })();
  const storagePath = mkdtempSync(path.join(tmpdir(), `phasegate-laravel-${hex}-`));
  const o: LaravelInstanceOptions = {
    appPort,
    calcomPort,
    postgresServer: services.postgresServer,
    database: `phasegate_l_${hex}`,
    calcomDatabase: `phasegate_lc_${hex}`,
    redisUrl: redisServer,
    redisPrefix: `l${hex}_database_`,
    storagePath,
    logPath: path.join(storagePath, 'logs', 'laravel.log'),
    appKey: newAppKey(),
    calcomApiKey: `cal_test_${hex}`,
    webhookSecret: `whsec-${randomBytes(8).toString('hex')}`,
    loginEmail: 'reception@clinic.test',
    loginPassword: `pw-${randomBytes(6).toString('hex')}`,
    heartbeatEverySeconds: opts.heartbeatEverySeconds ?? 2,
    ownerPid: process.pid,
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
  };
  const release = async () => {
    const errors: unknown[] = [];
    for (const db of [o.database, o.calcomDatabase]) {
      await dropDatabase(o.postgresServer, db).catch((e: unknown) => errors.push(e));
    }
    await deleteKeys(redisServer, o.redisPrefix).catch((e: unknown) => errors.push(e));
    rmSync(storagePath, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, `Laravel cleanup failed for ${o.database}`);
  };

  let pids: LaravelPids;
  try {
    ({ pids } = await startLaravelInstance(o, opts.readyTimeoutMs ?? 60_000));
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }

  const appUrl = `http://127.0.0.1:${appPort}`;
  const calcomUrl = `http://127.0.0.1:${calcomPort}`;
  const stopOne = async (name: LaravelProcessName) => {
    const pid = pids[name];
    if (pid !== undefined) await killGroup(pid);
    delete pids[name];
  };
  const startOne = async (name: LaravelProcessName, readyUrl?: string) => {
    const pid = pids[name];
    if (pid !== undefined && alive(pid)) return;
    pids[name] = spawnProcess(o, name);
    if (readyUrl && !(await waitForHttp(readyUrl, 30_000))) {
      throw new Error(`${name} did not answer at ${readyUrl}:\n${readProcessLog(o, name)}`);
    }
  };

  let stopped: Promise<void> | undefined;
  return {
    appUrl,
    calcomUrl,
    databaseUrl: services.databaseUrl(o.database),
    calcomDatabaseUrl: services.databaseUrl(o.calcomDatabase),
    redisUrl: redisServer,
    redisPrefix: o.redisPrefix,
    cachePrefix: CACHE_PREFIX,
    queueKey: `${o.redisPrefix}queues:default`,
    heartbeatKey: `${o.redisPrefix}${CACHE_PREFIX}:health:checks:queue:latestHeartbeatAt`,
    logPath: o.logPath,
    storagePath,
    loginEmail: o.loginEmail,
    loginPassword: o.loginPassword,
    calcomApiKey: o.calcomApiKey,
    webhookSecret: o.webhookSecret,
    env: () => laravelEnv(o),
    suiteEnv: () => ({
      TARGET_URL: appUrl,
      CALCOM_API_URL: calcomUrl,
      DATABASE_URL: services.databaseUrl(o.database),
      REDIS_URL: `${redisServer}/0`,
      REDIS_PREFIX: o.redisPrefix,
      CACHE_PREFIX: CACHE_PREFIX,
      APP_LOG_PATH: o.logPath,
      CALCOM_API_KEY: o.calcomApiKey,
      CALCOM_WEBHOOK_SECRET: o.webhookSecret,
      LOGIN_EMAIL: o.loginEmail,
      LOGIN_PASSWORD: o.loginPassword,
    }),
    output: () =>
      (['server', 'worker', 'heartbeat', 'calcom'] as const)
        .map((n) => `--- ${n} ---\n${readProcessLog(o, n)}`)
        .join('\n'),
    stopWorker: () => stopOne('worker'),
    startWorker: () => startOne('worker'),
    stopCalcom: () => stopOne('calcom'),
    startCalcom: () => startOne('calcom', calcomUrl),
    stopApp: () => stopOne('server'),
    startApp: () => startOne('server', `${appUrl}/up`),
    stop: () =>
      (stopped ??= (async () => {
        await stopProcesses(pids);
        await release();
      })()),
  };
}
