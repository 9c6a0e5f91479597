// What a benchmark run against the sandbox needs to stay out of everybody's way (common brief):
// free ports, its own database, Redis prefix, log file and output folder; removed afterwards.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface Isolation {
  id: string;
  dir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = 'redis://127.0.0.1:6379/0';

/** Ports, database, prefix and folders for one sandbox; `dir` lives under `root`. */
export async function isolate(root: string, label: string): Promise<Isolation> {
  const id = `${label}${randomBytes(4).toString('hex')}`;
  const dir = path.join(root, `.tmp/bench-${id}`);
  mkdirSync(dir, { recursive: true });
  const database = `phasegate_bench_${id}`;
  const prefix = `b${id}_database_`;
  pending.set(id, { database, prefix, dir });
  if (!exitHandler) {
    // Registered at the first isolation, after the modules that kill their children on exit
    // (their handlers run first), so nothing writes to the database while it is dropped.
    exitHandler = true;
    process.on('exit', () => {
      for (const p of pending.values()) cleanupAtExit(p);
    });
  }
  const env = {
    CI: 'true',
    SANDBOX_PORT: String(await freePort()),
    SANDBOX_CALCOM_PORT: String(await freePort()),
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
    REDIS_URL: REDIS,
    REDIS_PREFIX: prefix,
    APP_LOG_PATH: path.join(dir, 'laravel.log'),
    STORAGE_DIR: path.join(dir, 'storage'),
    PLAYWRIGHT_HTML_OUTPUT_DIR: path.join(dir, 'html'),
    PLAYWRIGHT_HTML_OPEN: 'never',
  };
  return {
    id,
    dir,
    env,
    cleanup: async () => {
      await dropIsolation(database, prefix);
      rmSync(dir, { recursive: true, force: true });
      pending.delete(id);
    },
  };
}

/** Isolations not cleaned up yet: removed if the harness exits on Ctrl-C or an error. */
const pending = new Map<string, { database: string; prefix: string; dir: string }>();
let exitHandler = false;

export async function dropIsolation(database: string, prefix: string): Promise<void> {
  await dropDatabase(database);
  await deleteKeys(prefix);
}

/** An exit handler cannot await: a child process drops the database and the keys. */
function cleanupAtExit(p: { database: string; prefix: string; dir: string }): void {
  rmSync(p.dir, { recursive: true, force: true });
  const self = JSON.stringify(new URL(import.meta.url).href);
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const m = await import(${self}); await m.dropIsolation(process.env.BENCH_DROP_DATABASE, process.env.BENCH_DROP_PREFIX);`,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, BENCH_DROP_DATABASE: p.database, BENCH_DROP_PREFIX: p.prefix },
      stdio: 'ignore',
      timeout: 15_000,
    },
  );
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
