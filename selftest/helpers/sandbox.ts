// Starts an isolated sandbox for a self-test: free ports, its own database, Redis prefix, log
// path and temp folder, so that any test file can run alongside any other. `stop()` kills the
// process and removes everything it created.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { waitForSandbox } from '../../config/sandbox-server.ts';
import { freePorts } from './ports.ts';
import { testServices } from './services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const services = testServices();
const SERVER_URL = services.postgresServer;
const REDIS_URL = services.redisUrl;
const READY_TIMEOUT_MS = 60_000;

export interface TestSandbox {
  appUrl: string;
  calcomUrl: string;
  /** The suite's settings that point phasegate at this sandbox through its own webServer-less
   *  path, i.e. suitable to spread into a child process env: SANDBOX_PORT, SANDBOX_CALCOM_PORT,
   *  DATABASE_URL, REDIS_URL, REDIS_PREFIX, CACHE_PREFIX, APP_LOG_PATH (plus SANDBOX_FAULTS). */
  suiteEnv: Record<string, string>;
  databaseUrl: string;
  redisPrefix: string;
  logPath: string;
  /** The process's stdout and stderr so far, for failure messages. */
  output(): string;
  setFaults(faults: string[]): Promise<void>;
  /** Kills the process, drops the database, deletes the prefix's Redis keys. */
  stop(): Promise<void>;
}

interface Allocation {
  appPort: number;
  calcomPort: number;
  database: string;
  databaseUrl: string;
  redisPrefix: string;
  tempDir: string;
  logPath: string;
  suiteEnv: Record<string, string>;
}

async function allocate(faults: string[] = []): Promise<Allocation> {
  const [appPort, calcomPort] = (await freePorts(2)) as [number, number];
  const hex = randomBytes(5).toString('hex');
  const database = `phasegate_t_${hex}`;
  const databaseUrl = `${SERVER_URL}/${database}`;
  const redisPrefix = `t${hex}_database_`;
  const tempDir = mkdtempSync(path.join(tmpdir(), `phasegate-sbx-${hex}-`));
  const logPath = path.join(tempDir, 'logs', 'laravel.log');
  return {
    appPort,
    calcomPort,
    database,
    databaseUrl,
    redisPrefix,
    tempDir,
    logPath,
    suiteEnv: {
      SANDBOX_PORT: String(appPort),
      SANDBOX_CALCOM_PORT: String(calcomPort),
      SANDBOX_FAULTS: faults.join(','),
      DATABASE_URL: databaseUrl,
      REDIS_URL: REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      CACHE_PREFIX: 'laravel_cache_',
      APP_LOG_PATH: logPath,
    },
  };
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER_URL}/postgres`, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Deletes every key under `prefix` in the Redis database of `redisUrl` (the test server's by default). */
export async function deleteRedisKeys(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (found.length) await redis.del(...found);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function release(a: Allocation): Promise<void> {
  const errors: unknown[] = [];
  await dropDatabase(a.database).catch((e: unknown) => errors.push(e));
  await deleteRedisKeys(a.redisPrefix).catch((e: unknown) => errors.push(e));
  rmSync(a.tempDir, { recursive: true, force: true });
  if (errors.length) throw new AggregateError(errors, `sandbox cleanup failed for ${a.database}`);
}

/** Settings for a sandbox that the suite's own playwright webServer will start (no process
 * started here): fresh free ports, unique db name, prefix, log path; and a cleanup(). */
export async function allocateSandboxEnv(): Promise<{
  suiteEnv: Record<string, string>;
  cleanup(): Promise<void>;
}> {
  const a = await allocate();
  return { suiteEnv: a.suiteEnv, cleanup: () => release(a) };
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startTestSandbox(opts: { faults?: string[] } = {}): Promise<TestSandbox> {
  const a = await allocate(opts.faults);
  const appUrl = `http://127.0.0.1:${a.appPort}`;
  const calcomUrl = `http://127.0.0.1:${a.calcomPort}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      SANDBOX_PORT: String(a.appPort),
      SANDBOX_CALCOM_PORT: String(a.calcomPort),
      SANDBOX_FAULTS: (opts.faults ?? []).join(','),
      SANDBOX_DATABASE_URL: a.databaseUrl,
      SANDBOX_REDIS_URL: REDIS_URL,
      SANDBOX_REDIS_PREFIX: a.redisPrefix,
      SANDBOX_LOG_PATH: a.logPath,
    },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (!(await waitForExit((child.kill('SIGTERM'), child), 8000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 3000);
      }
      await release(a);
    })());

  if (!(await waitForSandbox(`${appUrl}/__sandbox/ready`, READY_TIMEOUT_MS, exited))) {
    const code = child.exitCode;
    await stop().catch(() => undefined);
    throw new Error(
      code !== null
        ? `sandbox exited (${code}) before it was ready:\n${output}`
        : `sandbox not ready after ${READY_TIMEOUT_MS} ms:\n${output}`,
    );
  }

  return {
    appUrl,
    calcomUrl,
    suiteEnv: a.suiteEnv,
    databaseUrl: a.databaseUrl,
    redisPrefix: a.redisPrefix,
    logPath: a.logPath,
    output: () => output,
    async setFaults(faults: string[]) {
      const r = await fetch(`${appUrl}/__sandbox/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults }),
        signal: AbortSignal.timeout(30_000),
      });
      if (!r.ok) throw new Error(`setFaults(${faults.join(',')}) failed: ${r.status} ${await r.text()}`);
      a.suiteEnv.SANDBOX_FAULTS = faults.join(',');
    },
    stop,
  };
}
