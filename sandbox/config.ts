// The sandbox's own settings reader. It stands in for an application somebody else wrote, so it
// reads only SANDBOX_* variables and never the suite's config/env.ts (DESIGN.md).
import { FAULT_NAMES, type FaultName } from './faults.ts';

export interface SandboxConfig {
  port: number;
  calcomPort: number;
  faults: FaultName[];
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  cachePrefix: string;
  queue: string;
  logPath: string;
  calcomApiKey: string;
  webhookSecret: string;
  loginEmail: string;
  loginPassword: string;
}

export const SANDBOX_DEFAULTS: SandboxConfig = {
  port: 8000,
  calcomPort: 8001,
  faults: [],
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/phasegate_sandbox',
  redisUrl: 'redis://127.0.0.1:6379/0',
  redisPrefix: 'laravel_database_',
  cachePrefix: 'laravel_cache_',
  queue: 'default',
  logPath: 'storage/sandbox/logs/laravel.log',
  calcomApiKey: 'cal_sandbox_0000000000000000',
  webhookSecret: 'sandbox-webhook-secret',
  loginEmail: 'frontdesk@clinic.example',
  loginPassword: 'sandbox-password',
};

/** Splits a comma list of fault names; unknown names are an error naming them. */
export function parseFaults(value: string | undefined): FaultName[] {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(FAULT_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new Error(
      `SANDBOX_FAULTS: unknown fault(s) ${unknown.join(', ')}; known: ${FAULT_NAMES.join(', ')}`,
    );
  }
  return [...new Set(names)] as FaultName[];
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name}: expected a port number (1-65535)`);
  return n;
}

/** Empty strings count as unset, as in the suite's settings. */
function text(value: string | undefined, fallback: string): string {
  return value === undefined || value.trim() === '' ? fallback : value;
}

export function readSandboxConfig(source: Record<string, string | undefined> = process.env): SandboxConfig {
  const d = SANDBOX_DEFAULTS;
  return {
    port: port('SANDBOX_PORT', source.SANDBOX_PORT, d.port),
    calcomPort: port('SANDBOX_CALCOM_PORT', source.SANDBOX_CALCOM_PORT, d.calcomPort),
    faults: parseFaults(source.SANDBOX_FAULTS),
    databaseUrl: text(source.SANDBOX_DATABASE_URL, d.databaseUrl),
    redisUrl: text(source.SANDBOX_REDIS_URL, d.redisUrl),
    redisPrefix: text(source.SANDBOX_REDIS_PREFIX, d.redisPrefix),
    cachePrefix: text(source.SANDBOX_CACHE_PREFIX, d.cachePrefix),
    queue: text(source.SANDBOX_QUEUE, d.queue),
    logPath: text(source.SANDBOX_LOG_PATH, d.logPath),
    calcomApiKey: text(source.SANDBOX_CALCOM_API_KEY, d.calcomApiKey),
    webhookSecret: text(source.SANDBOX_WEBHOOK_SECRET, d.webhookSecret),
    loginEmail: text(source.SANDBOX_LOGIN_EMAIL, d.loginEmail),
    loginPassword: text(source.SANDBOX_LOGIN_PASSWORD, d.loginPassword),
  };
}
