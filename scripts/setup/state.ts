// The fallback services setup left running, remembered in two files under storage/setup/:
// services.env (the URLs, layered beneath .env by config/env.ts when TARGET_URL is unset) and
// services.json (pids and folders, so a later setup can reuse or stop them).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES_ENV_FILE } from '../../config/env.ts';

export interface FallbackRecord {
  url: string;
  pid: number;
  port: number;
  /** Where its data and log live. */
  dir: string;
}

export interface ServicesState {
  postgres?: FallbackRecord;
  redis?: FallbackRecord;
}

const STATE_FILE = path.join('storage', 'setup', 'services.json');

export function servicesEnvPath(cwd: string): string {
  return path.join(cwd, SERVICES_ENV_FILE);
}

function isRecord(v: unknown): v is FallbackRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.url === 'string' &&
    typeof r.pid === 'number' &&
    typeof r.port === 'number' &&
    typeof r.dir === 'string'
  );
}

export function readState(cwd: string): ServicesState {
  const file = path.join(cwd, STATE_FILE);
  if (!existsSync(file)) return {};
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null) return {};
    const { postgres, redis } = raw as Record<string, unknown>;
    return { ...(isRecord(postgres) ? { postgres } : {}), ...(isRecord(redis) ? { redis } : {}) };
  } catch {
    // A damaged file only means setup forgets earlier fallbacks and probes afresh.
    return {};
  }
}

function writeAtomic(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** Writes both files; with no fallback left, removes them. */
export function writeState(cwd: string, state: ServicesState): void {
  const stateFile = path.join(cwd, STATE_FILE);
  const envFile = servicesEnvPath(cwd);
  if (!state.postgres && !state.redis) {
    rmSync(stateFile, { force: true });
    rmSync(envFile, { force: true });
    return;
  }
  writeAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  const lines = [
    '# Written by `npm run setup`: services it started because the configured ones did not answer.',
    '# config/env.ts reads this file beneath .env, and only when TARGET_URL is unset.',
    '# Stop them with `npm run setup -- --stop`.',
  ];
  if (state.postgres) lines.push(`DATABASE_URL=${state.postgres.url}`);
  if (state.redis) lines.push(`REDIS_URL=${state.redis.url}`);
  writeAtomic(envFile, `${lines.join('\n')}\n`);
}
