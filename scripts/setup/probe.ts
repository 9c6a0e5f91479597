// Setup's probes: each answers one question with I/O and a short timeout, never throws, and
// never puts a password in what it returns (decide.ts decides on the answers).
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Probe } from './decide.ts';
import { runCommand } from './install.ts';

// Generous: a refused connection answers at once, and a busy machine must not look like a missing service.
const PROBE_TIMEOUT_MS = 5000;

// Connection errors that mean "nothing there", as opposed to "something there said no".
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

function errorText(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  // Drivers quote the URL, credentials included, in some messages.
  const safe = message.replace(/(\/\/[^\s:/@]*:)[^\s@/]+@/g, '$1***@');
  return code && !safe.includes(code) ? `${code}: ${safe}` : safe;
}

/** PostgreSQL answers when it authenticates us, even if the database is not created yet. */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { state: 'ok', detail: `PostgreSQL ${res.rows[0]?.v ?? '?'}` };
  } catch (err) {
    const code = errorCode(err);
    // 3D000: database does not exist. The sandbox creates its own database, so the server is fine.
    if (code === '3D000') return { state: 'ok', detail: 'server answers; the database will be created' };
    if (code && UNREACHABLE_CODES.has(code)) return { state: 'unreachable', detail: code };
    if (err instanceof Error && /timeout|terminated unexpectedly/i.test(err.message)) {
      return { state: 'unreachable', detail: 'connection timed out' };
    }
    return { state: 'rejected', detail: errorText(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Redis answers when PING says PONG. */
export async function probeRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // ioredis rejects with a generic "Connection is closed"; the cause arrives as an 'error' event.
  let cause: unknown;
  redis.on('error', (err: unknown) => (cause ??= err));
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') return { state: 'rejected', detail: `PING answered ${pong}` };
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { state: 'ok', detail: `Redis ${version}` };
  } catch (thrown) {
    const err = cause ?? thrown;
    const code = errorCode(err);
    if (code && UNREACHABLE_CODES.has(code)) return { state: 'unreachable', detail: code };
    if (err instanceof Error && /timed? ?out|Connection is closed/i.test(err.message)) {
      return { state: 'unreachable', detail: 'connection timed out' };
    }
    return { state: 'rejected', detail: errorText(err) };
  } finally {
    redis.disconnect();
  }
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** The first executable called `name` on PATH. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether a process with this pid is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
  // A detached fallback outlives its starter and is re-parented; where PID 1 does not reap
  // (containers), it lingers as a zombie that still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Whether a process of group `pgid` still runs; zombies do not count (PID 1 may not reap). */
export function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command's closing parenthesis: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

// One PHP run reports every part the reference Laravel app needs, keyed by its Debian package.
const PHP_PROBE = [
  'echo json_encode([',
  "'php-laravel-framework' => (bool) stream_resolve_include_path('Illuminate/Foundation/Application.php'),",
  "'php-pgsql' => extension_loaded('pdo_pgsql'),",
  "'php-redis' => extension_loaded('redis'),",
  "'php-curl' => extension_loaded('curl'),",
  "'php-guzzlehttp-guzzle' => (bool) stream_resolve_include_path('GuzzleHttp/Client.php'),",
  ']);',
].join(' ');

/** The Debian packages (decide.ts's PHP_PACKAGES) whose part is missing; all of them without php. */
export async function probePhp(packages: readonly string[]): Promise<string[]> {
  if (!onPath('php')) return [...packages];
  const res = await runCommand('php', ['-r', PHP_PROBE], { timeoutMs: PROBE_TIMEOUT_MS * 2 });
  let found: Record<string, boolean> = {};
  try {
    found = JSON.parse(res.tail.split('\n').pop() ?? '{}') as Record<string, boolean>;
  } catch {
    // A php that cannot run this is as good as none.
  }
  return packages.filter((p) => p !== 'php-cli' && found[p] !== true).concat(res.ok ? [] : ['php-cli']);
}
