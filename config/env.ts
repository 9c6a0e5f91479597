// The only reader of process.env in the suite (DESIGN.md). Every detail of the target a check
// relies on is a setting here whose default is the built-in sandbox's value, so that a Laravel
// application the suite has never seen is verified after an edit of `.env` alone.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
// zod's v3 API, which the zod 4 package ships beside v4: every Playwright process (the runner,
// each worker, a merge job's reporter) loads this schema before its first check, and v3 loads in
// ~15 ms where v4's 130 modules take ~70 ms, ~100 ms through Playwright's ESM loader
// (BENCHMARKS.md, section 13). A `.default()` here is parsed like an input (v4's `.prefault`).
import { z } from 'zod/v3';

/** Thrown by loadEnv: one line per bad variable, never a value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`phasegate: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const str = (fallback: string) => z.preprocess(emptyToUndefined, z.string().default(fallback));
const optStr = () => z.preprocess(emptyToUndefined, z.string().optional());
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'expected a whole number' })
      .int({ message: 'expected a whole number' })
      .min(min, { message: `expected a whole number >= ${min}` })
      .max(max, { message: `expected a whole number <= ${max}` })
      .default(fallback),
  );
const bool = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(fallback ? 'true' : 'false'),
  );
/** A URL whose scheme is one of `schemes`; the message never echoes the value. */
const urlOf = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );
const optUrl = (schemes: string[]) => z.preprocess(emptyToUndefined, urlOf(schemes).optional());
const url = (schemes: string[], fallback: string) =>
  z.preprocess(emptyToUndefined, urlOf(schemes).default(fallback));
/**
 * A comma-separated list; an entry holding a comma is written in double quotes (splitList);
 * `none` is the empty list (the checks that need entries skip by name).
 */
const listOf = () =>
  z.string().transform((v, ctx) => {
    if (v.trim() === 'none') return [];
    try {
      return splitList(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
const list = (fallback: string[]) => z.preprocess(emptyToUndefined, listOf().default(fallback.join(',')));

/**
 * The entries of a list setting. Entries are separated by commas; the spaces inside an entry
 * stay, those around it go, empty entries are dropped (`GET /api/health 200,GET /login 200`). An
 * entry that holds a comma is written in double quotes, a quote inside it doubled, as in CSV:
 * `/docs,"/api/items?fields=id,name"`. Throws on an unclosed quote or text after a closing one.
 */
export function splitList(value: string): string[] {
  const entries: string[] = [];
  let i = 0;
  while (i <= value.length) {
    while (value[i] === ' ' || value[i] === '\t') i++;
    let entry: string;
    if (value[i] === '"') {
      entry = '';
      let j = i + 1;
      for (;;) {
        const q = value.indexOf('"', j);
        if (q < 0) throw new Error(`expected a closing " after ${value.slice(i, i + 20)}`);
        entry += value.slice(j, q);
        if (value[q + 1] === '"') {
          entry += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      while (value[i] === ' ' || value[i] === '\t') i++;
      if (i < value.length && value[i] !== ',')
        throw new Error(`expected a comma after the quoted entry "${entry}"`);
    } else {
      const comma = value.indexOf(',', i);
      const end = comma < 0 ? value.length : comma;
      entry = value.slice(i, end).trim();
      if (entry.includes('"'))
        throw new Error(`expected an entry with a " to be quoted as a whole (${entry}), its " doubled`);
      i = end;
    }
    if (entry !== '') entries.push(entry);
    i++; // past the comma
  }
  return entries;
}
/** A list that may be left unset (undefined: the format's preset applies); `none` is the empty list. */
const optList = (check?: { test: (entry: string) => boolean; expected: string }) =>
  z.preprocess(
    emptyToUndefined,
    listOf()
      .transform((entries) => (entries.length === 1 && entries[0] === 'none' ? [] : entries))
      .refine((entries) => !check || entries.every((e) => check.test(e)), {
        message: `expected ${check?.expected ?? 'a list'}`,
      })
      .optional(),
  );
const oneOf = <T extends string>(values: readonly [T, ...T[]], fallback: T) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(values, { message: `expected ${values.join(', ').replace(/, (\w+)$/, ' or $1')}` })
      .default(fallback),
  );
/** A path that starts with `/`; `{id}`-style placeholders are allowed. */
const appPath = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z.string().startsWith('/', { message: 'expected a path starting with /' }).default(fallback),
  );
/** A path, or `none` when the application does not have it (checks that need it skip). */
const optAppPath = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => v === 'none' || v.startsWith('/'), {
        message: 'expected a path starting with /, or none',
      })
      .transform((v) => (v === 'none' ? undefined : v))
      .default(fallback),
  );
/** A time zone name the platform knows (`UTC`, `Europe/London`). */
const timeZone = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (v) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: v });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'expected a time zone name such as UTC or Europe/London' },
      )
      .default(fallback),
  );
const identifier = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, {
        message: 'expected an SQL identifier (letters, digits, _; optionally schema.name)',
      })
      .default(fallback),
  );

/** An SQL identifier, or `none` where the application has no such table or column (checks skip). */
const optIdentifier = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => v === 'none' || /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(v), {
        message: 'expected an SQL identifier (letters, digits, _; optionally schema.name), or none',
      })
      .transform((v) => (v === 'none' ? undefined : v))
      .default(fallback),
  );
/** A text setting, or `none` where the application has no such thing (checks that need it skip). */
const optNone = (fallback: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v) => (v === 'none' ? undefined : v))
      .default(fallback),
  );

// Sandbox-only credentials: used solely when TARGET_URL is unset, i.e. against the loopback
// sandbox the suite starts itself. Against a real target these must come from the environment.
export const SANDBOX_CREDENTIALS = {
  CALCOM_API_KEY: 'cal_sandbox_0000000000000000',
  CALCOM_WEBHOOK_SECRET: 'sandbox-webhook-secret',
  LOGIN_EMAIL: 'frontdesk@clinic.example',
  LOGIN_PASSWORD: 'sandbox-password',
} as const;

/** Where the built-in sandbox writes its Laravel log: APP_LOG_PATH's default. */
export const SANDBOX_APP_LOG_PATH = 'storage/sandbox/logs/laravel.log';

const schema = z.object({
  // --- Target and run ---
  TARGET_URL: optUrl(['http', 'https']),
  TARGET_VERSION: optStr(),
  DEPLOYMENT_PHASE: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'expected a phase number from 1 to 8' })
      .int({ message: 'expected a phase number from 1 to 8' })
      .min(1, { message: 'expected a phase number from 1 to 8' })
      .max(8, { message: 'expected a phase number from 1 to 8' })
      .optional(),
  ),
  DEPLOYED_BY: optStr(),
  /** Marks this run's synthetic records; the global setup generates one when unset. */
  RUN_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-z0-9]{4,32}$/, { message: 'expected 4 to 32 lowercase letters or digits' })
      .optional(),
  ),
  HTTP_TIMEOUT_MS: int(5000, 100, 120000),
  /** A browser check's page load (navigation) timeout: a target that never answers costs this per check. */
  PAGE_TIMEOUT_MS: int(15000, 500, 120000),
  /** A settings file read between `.env` and the environment (e.g. laravel-app/phasegate.env). */
  PHASEGATE_ENV_FILE: optStr(),

  // --- Sandbox (used only when TARGET_URL is unset) ---
  SANDBOX_PORT: int(8000, 1, 65535),
  SANDBOX_CALCOM_PORT: int(8001, 1, 65535),
  SANDBOX_FAULTS: list([]),

  // --- PostgreSQL ---
  DATABASE_URL: url(['postgres', 'postgresql'], 'postgres://postgres@127.0.0.1:5432/phasegate_sandbox'),
  DB_CONNECT_TIMEOUT_MS: int(3000, 100, 60000),
  DB_STATEMENT_TIMEOUT_MS: int(10000, 100, 600000),
  /** `none` where the app has no users table (schema integrity does without it). */
  DB_TABLE_USERS: optIdentifier('users'),
  DB_TABLE_APPOINTMENTS: identifier('appointments'),
  /** `none` where the app stores no webhooks: the webhook checks test the answers only. */
  DB_TABLE_WEBHOOK_EVENTS: optIdentifier('webhook_events'),
  /** The database queue driver's `jobs` table (read when QUEUE_DRIVER=database); `none` if absent. */
  DB_TABLE_JOBS: optIdentifier('jobs'),
  /** Laravel's failed-job table; `none` when the app keeps none (or Horizon: HORIZON_STATS_PATH). */
  DB_TABLE_FAILED_JOBS: optIdentifier('failed_jobs'),
  /** Where the app's queued work records events; `none`: "Events flowing" watches the booking's sync. */
  DB_TABLE_EVENTS: optIdentifier('events'),
  /** `none` where bookings carry no idempotency key (the phase-2 key checks skip). */
  DB_COL_IDEMPOTENCY_KEY: optIdentifier('idempotency_key'),
  DB_COL_CALCOM_UID: identifier('calcom_booking_uid'),
  DB_COL_STARTS_AT: identifier('starts_at'),
  DB_COL_STATUS: identifier('status'),
  DB_COL_CLIENT_EMAIL: identifier('client_email'),
  DB_COL_DEDUP_KEY: identifier('dedup_key'),
  DB_COL_WEBHOOK_BOOKING_UID: identifier('booking_uid'),
  DB_COL_CREATED_AT: identifier('created_at'),
  DB_COL_WEBHOOK_RECEIVED_AT: identifier('received_at'),
  DB_COL_EVENT_NAME: identifier('name'),
  /** Cal.com status → local statuses that match it, e.g. `accepted:confirmed|completed`. */
  STATUS_MAP: list([
    'accepted:confirmed|completed',
    'pending:pending',
    'cancelled:cancelled',
    'rejected:rejected',
  ]),
  CONSISTENCY_WINDOW_DAYS: int(7, 1, 365),

  // --- Redis (Laravel key shapes: CALCOM.md) ---
  /** The queue's Redis connection (Laravel's `default`: REDIS_DB, db 0). */
  REDIS_URL: url(['redis', 'rediss'], 'redis://127.0.0.1:6379/0'),
  /** The cache's Redis connection (Laravel's `cache`: REDIS_CACHE_DB, db 1); REDIS_URL when unset. */
  REDIS_CACHE_URL: optUrl(['redis', 'rediss']),
  REDIS_TIMEOUT_MS: int(2000, 100, 60000),
  REDIS_PREFIX: str('laravel_database_'),
  CACHE_PREFIX: str('laravel_cache_'),
  QUEUE_NAME: str('default'),
  /** Where the queue lives: `redis` (`<prefix>queues:<name>`) or `database` (DB_TABLE_JOBS). */
  QUEUE_DRIVER: oneOf(['redis', 'database'], 'redis'),
  /** `none` where the app caches no availability (cache invalidation skips). */
  AVAILABILITY_CACHE_KEY: optNone('availability:{date}'),
  /** The worker's heartbeat key; `none` when the app keeps none (the heartbeat part skips). */
  WORKER_HEARTBEAT_KEY: optNone('worker:heartbeat'),
  /** `redis`: a plain key on REDIS_URL; `cache`: a Cache:: key (CACHE_PREFIX) on REDIS_CACHE_URL. */
  WORKER_HEARTBEAT_STORE: oneOf(['redis', 'cache'], 'redis'),
  /** Horizon's stats (`/horizon/api/stats`): its failedJobs count replaces the failed-job table. */
  HORIZON_STATS_PATH: optAppPath('none'),

  // --- Cal.com API v2 ---
  CALCOM_API_URL: optUrl(['http', 'https']),
  CALCOM_API_KEY: optStr(),
  CALCOM_API_VERSION: str('2024-08-13'),
  CALCOM_EVENT_TYPE_ID: int(1, 1),
  CALCOM_WEBHOOK_SECRET: optStr(),
  CALCOM_TIMEOUT_MS: int(5000, 100, 120000),

  // --- Proxy for Cal.com's API and the Slack webhook (config/proxy.ts); lower-case names too ---
  /** The proxy for https:// URLs (http://[user:password@]host:port). */
  HTTPS_PROXY: optUrl(['http', 'https']),
  /** The proxy for http:// URLs, and for https:// ones when HTTPS_PROXY is unset. */
  HTTP_PROXY: optUrl(['http', 'https']),
  /** Hosts reached directly (comma-separated; `.example.com` covers its subdomains; `*` all). */
  NO_PROXY: optStr(),

  // --- Application paths ('none' where the application has no such page) ---
  HEALTH_PATH: appPath('/api/health'),
  HEALTH_DETAILED_PATH: optAppPath('/api/health/detailed'),
  /** How HEALTH_PATH answers: the sandbox's JSON, Laravel 11's `/up`, or spatie/laravel-health. */
  HEALTH_FORMAT: oneOf(['sandbox', 'up', 'spatie'], 'sandbox'),
  /** How HEALTH_DETAILED_PATH answers; `custom` is read through the HEALTH_* mapping below. */
  HEALTH_DETAILED_FORMAT: oneOf(['sandbox', 'spatie', 'custom'], 'sandbox'),
  /** Mapping (unset: the format's preset): JSON paths of a dependency's status, `{name}` its name. */
  HEALTH_DEPENDENCY_PATH: optList(),
  HEALTH_DOWN_VALUES: optList(),
  /** JSON path of the Cal.com circuit breaker's state, or `none`. */
  HEALTH_BREAKER_PATH: optStr(),
  HEALTH_BREAKER_STATES: optList({
    test: (e) => /^(closed|half_open|open):[^|]+(\|[^|]+)*$/.test(e),
    expected: 'state:value|value entries, state closed, half_open or open',
  }),
  LOGIN_PATH: appPath('/login'),
  APPOINTMENT_FORM_PATH: appPath('/appointments/create'),
  APPOINTMENTS_PATH: appPath('/appointments'),
  APPOINTMENT_DETAIL_PATH: appPath('/appointments/{id}'),
  APPOINTMENT_LOOKUP_PATH: optAppPath('/api/appointments?date={date}'),
  AVAILABILITY_PATH: optAppPath('/api/availability?date={date}'),
  WEBHOOK_PATH: optAppPath('/api/webhooks/calcom'),
  METRICS_PATH: optAppPath('/metrics'),
  METRICS_REQUIRED: list(['http_requests_total', 'http_request_duration_seconds', 'queue_depth']),
  /** The counter of requests the error rate is a share of. */
  METRICS_REQUEST_COUNTER: str('http_requests_total'),
  /** A counter of errors of its own (e.g. app_errors_total); unset or none: 5xx of the request counter's status label. */
  METRICS_ERROR_COUNTER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v) => (v === 'none' ? undefined : v))
      .optional(),
  ),
  OPENAPI_PATH: optAppPath('/docs/openapi.json'),
  OPENAPI_REQUIRED_PATHS: list(['/appointments', '/appointments/{id}', '/api/webhooks/calcom']),
  COVERAGE_SUMMARY: optStr(),
  API_ENDPOINTS: list(['GET /api/health 200', 'GET /login 200', 'GET /api/health/detailed 200']),
  DASHBOARD_URLS: list(['/dashboard']),
  DOC_LINKS: list(['/docs', '/docs/openapi.json']),

  // --- Login and forms (found by label, as a person would) ---
  LOGIN_EMAIL: optStr(),
  LOGIN_PASSWORD: optStr(),
  LOGIN_EMAIL_LABEL: str('Email'),
  LOGIN_PASSWORD_LABEL: str('Password'),
  LOGIN_SUBMIT_LABEL: str('Log in'),
  LOGIN_EMAIL_FIELD: str('email'),
  LOGIN_PASSWORD_FIELD: str('password'),
  CSRF_FIELD: str('_token'),
  FORM_NAME_LABEL: str('Patient name'),
  FORM_EMAIL_LABEL: str('Patient email'),
  FORM_START_LABEL: str('Start time'),
  FORM_SUBMIT_LABEL: str('Book appointment'),
  /** Request field names of the appointment POST (the form's `name` attributes). */
  FORM_NAME_FIELD: str('patient_name'),
  FORM_EMAIL_FIELD: str('patient_email'),
  FORM_START_FIELD: str('starts_at'),
  /** `form`: GET the form, post it with its hidden inputs, follow the 302; `json`: the JSON API. */
  BOOKING_MODE: oneOf(['form', 'json'], 'form'),
  /** How long a booking's queued Cal.com sync may take before the UID counts as missing. */
  BOOKING_SYNC_TIMEOUT_MS: int(10000, 0, 120000),
  /** The event row a booking's queued work records (DB_TABLE_EVENTS); `none`: watch the sync. */
  BOOKING_EVENT_NAME: optNone('appointment.created'),
  DEGRADED_NOTICE_PATTERN: str('temporarily unavailable'),
  /** Dependencies of the detailed health (HEALTH_DEPENDENCY_PATH's {name}) whose outage the form must survive. */
  DEGRADATION_DEPENDENCIES: list(['calcom', 'circuit_breaker']),
  /** Accessible name (text, case-insensitive) of the role=status loading spinner. */
  SPINNER_NAME_PATTERN: str('Loading'),
  /** Labels on the appointment detail page (dt/dd, th/td, `<p><strong>Label:</strong> value</p>`, `<p>Label: value</p>`, label + next element). */
  DETAIL_IDEMPOTENCY_LABEL: str('Idempotency key'),
  DETAIL_CALCOM_UID_LABEL: str('Cal.com booking UID'),
  /** `none` where the app logs no invalidation: the cache key alone is checked. */
  CACHE_INVALIDATION_LOG_PATTERN: optNone('Cache invalidated'),

  // --- Application log (Laravel format) ---
  /** `none` where this machine cannot read the application's log: the log checks skip. */
  APP_LOG_PATH: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v) => (v === 'none' ? undefined : v))
      .default(SANDBOX_APP_LOG_PATH),
  ),
  APP_LOG_DAILY: bool(false),
  LOG_WINDOW_MINUTES: int(10, 1, 10080),
  /** The app's `config('app.timezone')`: how its log times and form times are read. */
  APP_TIMEZONE: timeZone('UTC'),
  /** When this release went live (ISO 8601); the log window never reaches before it. */
  DEPLOYED_AT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected a date and time (ISO 8601)' })
      .optional(),
  ),

  // --- Synthetic records ---
  SYNTHETIC_MARKER: str('phasegate-synthetic'),
  SYNTHETIC_SWEEP_MINUTES: int(5, 0, 1440),

  // --- Output ---
  STORAGE_DIR: str('storage'),

  // --- Notifications ---
  SLACK_WEBHOOK_URL: optUrl(['http', 'https']),
  SMTP_URL: optUrl(['smtp', 'smtps']),
  NOTIFY_EMAIL_TO: optStr(),
  NOTIFY_EMAIL_FROM: str('phasegate@localhost'),
  REPORT_LINK_BASE: optStr(),
  /** Which finished runs send the success/failure message: all, failure (FAIL only) or none. */
  NOTIFY_ON: z.preprocess(
    emptyToUndefined,
    z.enum(['all', 'failure', 'none'], { message: 'expected all, failure or none' }).default('all'),
  ),
  NOTIFY_TIMEOUT_MS: int(5000, 100, 60000),

  // --- Browser ---
  CHROMIUM_PATH: optStr(),
  /** Workers for the @api checks (milliseconds each against a healthy target). */
  API_WORKERS: int(1, 1, 64),
  /** Browser-check workers; 0: one per core but one (the api project has one of its own). */
  E2E_WORKERS: int(0, 0, 64),

  // --- Environment ---
  CI: bool(false),
  /** Set by GitHub Actions: the reporter appends its Markdown summary to this file. */
  GITHUB_STEP_SUMMARY: optStr(),
});

type Parsed = z.infer<typeof schema>;

export type Env = Parsed & {
  /** True when TARGET_URL is unset: the suite starts and verifies its own sandbox. */
  sandbox: boolean;
  /** TARGET_URL, or the sandbox's loopback address. */
  targetUrl: string;
  /** CALCOM_API_URL, or the sandbox's Cal.com stand-in. */
  calcomApiUrl: string | undefined;
  /** Every secret value (and its URL-encoded form), for redaction; longest first. */
  secrets: string[];
};

/** Values that must never appear in a report, a log or a message. */
function secretValues(e: Parsed): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (!v || v.length < 4) return;
    out.add(v);
    out.add(encodeURIComponent(v));
  };
  add(e.CALCOM_API_KEY);
  add(e.CALCOM_WEBHOOK_SECRET);
  add(e.LOGIN_PASSWORD);
  add(e.SLACK_WEBHOOK_URL);
  if (e.SLACK_WEBHOOK_URL) {
    try {
      // A receiver's error may quote the request path rather than the URL: its token is secret.
      const slack = new URL(e.SLACK_WEBHOOK_URL);
      if (slack.pathname.length >= 16) add(slack.pathname);
      const token = slack.pathname.split('/').filter(Boolean).pop();
      if (token && token.length >= 16) add(token);
      if (slack.password) add(decodeURIComponent(slack.password));
    } catch {
      // schema already rejected it
    }
  }
  for (const u of [e.DATABASE_URL, e.REDIS_URL, e.REDIS_CACHE_URL, e.SMTP_URL, e.HTTPS_PROXY, e.HTTP_PROXY]) {
    if (!u) continue;
    try {
      const parsed = new URL(u);
      if (parsed.password) {
        add(decodeURIComponent(parsed.password));
        add(parsed.password);
      }
    } catch {
      // schema already rejected it
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Every setting's name, in schema order (the docs list them all: selftest/config.test.ts). */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

/**
 * Written by `npm run setup` when it started its own PostgreSQL or Redis because the configured
 * ones did not answer (scripts/setup.ts). Read beneath `.env`, and only when TARGET_URL is unset:
 * against a real target the configured services are the ones to verify.
 */
export const SERVICES_ENV_FILE = path.join('storage', 'setup', 'services.env');

export interface LoadEnvOptions {
  /** Layer SERVICES_ENV_FILE beneath `.env` (default true; setup itself reads without it). */
  services?: boolean;
  /**
   * Also check the files a run reads on this machine (APP_LOG_PATH). Only where a run starts
   * (playwright.config.ts): a merge job or a script elsewhere has no application log.
   */
  runFiles?: boolean;
}

/** The proxy variables' lower-case spellings (curl's and most tools'), where the upper-case is unset. */
function withProxyAliases(raw: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...raw };
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']) {
    if (emptyToUndefined(out[name]) === undefined && emptyToUndefined(out[name.toLowerCase()]) !== undefined)
      out[name] = out[name.toLowerCase()];
  }
  return out;
}

/** Later layers win, except where their value is empty: an empty string counts as missing. */
function layer(...sources: Record<string, string | undefined>[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const source of sources) {
    for (const [k, v] of Object.entries(source)) {
      if (emptyToUndefined(v) !== undefined || !(k in out)) out[k] = v;
    }
  }
  return out;
}

/** Problems between settings, judged on the raw values so they are reported with schema errors. */
function crossFieldProblems(raw: Record<string, string | undefined>): string[] {
  const set = (name: string) => emptyToUndefined(raw[name]) !== undefined;
  const problems: string[] = [];
  if (set('TARGET_URL') && set('CALCOM_API_URL') && !set('CALCOM_API_KEY')) {
    problems.push('CALCOM_API_KEY: required when CALCOM_API_URL is set (a Cal.com API key, cal_...)');
  }
  if (set('SMTP_URL') && !set('NOTIFY_EMAIL_TO')) {
    problems.push('NOTIFY_EMAIL_TO: required when SMTP_URL is set (who receives the messages)');
  }
  return problems;
}

/**
 * Parses a settings source (process.env by default, with `.env` underneath it and, with no
 * TARGET_URL, setup's services file beneath that). Pure apart from reading those files; throws
 * ConfigError listing every bad variable at once.
 */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
  options: LoadEnvOptions = {},
): Env {
  const dotenv = readEnvFile(path.join(cwd, '.env'));
  // PHASEGATE_ENV_FILE: a deployment's own settings file (laravel-app/phasegate.env), between
  // `.env` and the environment: the file maps the app, the environment still wins.
  const envFile = emptyToUndefined(source.PHASEGATE_ENV_FILE) ?? emptyToUndefined(dotenv.PHASEGATE_ENV_FILE);
  const envFilePath = typeof envFile === 'string' ? path.resolve(cwd, envFile) : undefined;
  if (envFilePath !== undefined && !existsSync(envFilePath)) {
    throw new ConfigError([`PHASEGATE_ENV_FILE: no such file: ${envFile}`]);
  }
  const configured = layer(dotenv, envFilePath ? readEnvFile(envFilePath) : {}, source);
  const useServices = options.services !== false && emptyToUndefined(configured.TARGET_URL) === undefined;
  const merged = withProxyAliases(
    useServices ? layer(readEnvFile(path.join(cwd, SERVICES_ENV_FILE)), configured) : configured,
  );
  const result = schema.safeParse(merged);
  const problems = new Map<string, string>();
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '(settings)');
      if (!problems.has(name)) problems.set(name, `${name}: ${issue.message}`);
    }
  }
  const fileProblems = options.runFiles ? [appLogProblem(merged, cwd)].filter((p) => p !== undefined) : [];
  for (const p of [...crossFieldProblems(merged), ...fileProblems]) {
    const name = p.slice(0, p.indexOf(':'));
    if (!problems.has(name)) problems.set(name, p);
  }
  if (problems.size || !result.success) throw new ConfigError([...problems.values()]);
  const e = result.data;
  const sandbox = e.TARGET_URL === undefined;
  if (sandbox) {
    e.CALCOM_API_KEY ??= SANDBOX_CREDENTIALS.CALCOM_API_KEY;
    e.CALCOM_WEBHOOK_SECRET ??= SANDBOX_CREDENTIALS.CALCOM_WEBHOOK_SECRET;
    e.LOGIN_EMAIL ??= SANDBOX_CREDENTIALS.LOGIN_EMAIL;
    e.LOGIN_PASSWORD ??= SANDBOX_CREDENTIALS.LOGIN_PASSWORD;
    e.COVERAGE_SUMMARY ??= '/coverage/coverage-summary.json';
  }
  const targetUrl = (e.TARGET_URL ?? `http://127.0.0.1:${e.SANDBOX_PORT}`).replace(/\/+$/, '');
  const calcomApiUrl = (
    e.CALCOM_API_URL ?? (sandbox ? `http://127.0.0.1:${e.SANDBOX_CALCOM_PORT}` : undefined)
  )?.replace(/\/+$/, '');
  return { ...e, sandbox, targetUrl, calcomApiUrl, secrets: secretValues(e) };
}

/**
 * APP_LOG_PATH must be readable where the log check reads it, or the log check could only fail
 * late with a cause a release manager has to decode. A folder is never a log. A file that is not
 * there yet is no problem: Laravel creates its log at the first write, so a fresh deploy may have
 * none (the log check reads "no entries" and says so in a note). A missing folder on a real
 * target is a wrong path, though: no Laravel writes its log there.
 */
function appLogProblem(raw: Record<string, string | undefined>, cwd: string): string | undefined {
  const value = emptyToUndefined(raw.APP_LOG_PATH);
  if (value === 'none') return undefined;
  const file = path.resolve(cwd, typeof value === 'string' ? value : SANDBOX_APP_LOG_PATH);
  try {
    if (statSync(file).isDirectory()) return 'APP_LOG_PATH: expected the application log file, got a folder';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    if (code !== 'ENOENT') return `APP_LOG_PATH: cannot read the application log file (${code})`;
    const realTarget = emptyToUndefined(raw.TARGET_URL) !== undefined;
    if (!realTarget || existsSync(path.dirname(file))) return undefined;
    return 'APP_LOG_PATH: neither the application log file nor its folder exists; set the path of laravel.log on this machine';
  }
}

function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return parseDotenv(readFileSync(file));
}

/** Replaces every secret value in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('***');
  // Credentials embedded in any URL (pg/ioredis/undici errors quote them).
  if (!out.includes('://')) return out;
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@');
}

let cached: Env | undefined;

/** The process's settings, parsed once. */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

/**
 * The process's settings for a command-line entry point: a ConfigError ends the process with
 * its one-line-per-variable message and exit code 2 (no stack trace, no values).
 */
export function envOrExit(options: LoadEnvOptions = {}): Env {
  try {
    // The file checks only add problems: what passes them is env()'s value, so it is kept for
    // the reporter and fixtures of the same process instead of being parsed again.
    if (options.runFiles) return (cached = loadEnv(process.env, process.cwd(), options));
    return env();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
