// The Redis fallback: a `redis-server` from PATH on a free loopback port, keeping nothing on disk,
// daemonized so it outlives setup and serves the commands that follow.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './install.ts';
import { probeRedis } from './probe.ts';
import { stopPid } from './stop.ts';

const START_TIMEOUT_MS = 30_000;

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function redisPidFile(dir: string): string {
  return path.join(dir, 'redis.pid');
}

/** Starts `bin` on 127.0.0.1:`port`; resolves with its pid once it answers PING. */
export async function startRedisFallback(bin: string, dir: string, port: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const pidFile = redisPidFile(dir);
  const logFile = path.join(dir, 'redis.log');
  const started = await runCommand(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--logfile',
      logFile,
    ],
    { timeoutMs: START_TIMEOUT_MS },
  );
  if (!started.ok) throw new Error(`${bin} did not start: ${started.tail}`);
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const pid = readPid(pidFile);
    if (pid && (await probeRedis(url, 1000)).state === 'ok') return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = readPid(pidFile);
  if (pid) await stopPid(pid, 'SIGTERM');
  let log = '';
  try {
    log = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    log = '(no log)';
  }
  throw new Error(
    `redis-server did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s; ${logFile} says:\n${log}`,
  );
}

/** The pid a fallback Redis wrote, to confirm a recorded pid still belongs to it. */
export function redisPid(dir: string): number | undefined {
  return readPid(redisPidFile(dir));
}
