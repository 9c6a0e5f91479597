// `npm run laravel -- start|stop|status`: the reference Laravel app (laravel-app/README.md) on
// this machine, with its queue worker, heartbeat loop and Cal.com stand-in. `start` migrates,
// seeds, waits until /health is all ok, prints the URLs and records what it started in
// storage/laravel-app/state.json; `stop` kills those processes (its database and Redis keys
// stay, as a deployment's would).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { ConfigError, loadEnv } from '../config/env.ts';
import { alive } from './setup/probe.ts';
import {
  newAppKey,
  REPO_ROOT,
  startLaravelInstance,
  stopProcesses,
  type LaravelInstanceOptions,
  type LaravelPids,
} from './laravel-instance.ts';

const STORAGE = path.join(REPO_ROOT, 'storage', 'laravel-app');
const STATE_FILE = path.join(STORAGE, 'state.json');

/** The reference deployment's names: what laravel-app/README.md and its env file list. */
export const REFERENCE_DEFAULTS = {
  appPort: 8100,
  calcomPort: 8101,
  database: 'clinic_booking',
  calcomDatabase: 'clinic_booking_calcom',
  redisPrefix: 'clinic_booking_database_',
  calcomApiKey: 'cal_reference_0000000000000000',
  webhookSecret: 'reference-webhook-secret',
  loginEmail: 'reception@clinic.test',
  loginPassword: 'front-desk-password',
  heartbeatEverySeconds: 10,
} as const;

interface State {
  options: LaravelInstanceOptions;
  pids: LaravelPids;
  appUrl: string;
  calcomUrl: string;
  startedAt: string;
}

function readState(): State | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as State;
}

function running(state: State): string[] {
  return Object.entries(state.pids)
    .filter(([, pid]) => pid !== undefined && alive(pid))
    .map(([name]) => name);
}

function servers(): { postgresServer: string; redisUrl: string } {
  const settings = loadEnv(process.env, REPO_ROOT);
  const db = new URL(settings.DATABASE_URL);
  db.pathname = '';
  db.search = '';
  const redis = new URL(settings.REDIS_URL);
  redis.pathname = '';
  return { postgresServer: db.toString().replace(/\/$/, ''), redisUrl: redis.toString().replace(/\/$/, '') };
}

async function start(port: number, calcomPort: number): Promise<number> {
  const previous = readState();
  if (previous && running(previous).length) {
    console.log(
      `laravel: already running at ${previous.appUrl} (${running(previous).join(', ')}); \`npm run laravel -- stop\` first`,
    );
    return 1;
  }
  const d = REFERENCE_DEFAULTS;
  const options: LaravelInstanceOptions = {
    ...servers(),
    appPort: port,
    calcomPort,
    database: d.database,
    calcomDatabase: d.calcomDatabase,
    redisPrefix: d.redisPrefix,
    storagePath: STORAGE,
    logPath: path.join(STORAGE, 'logs', 'laravel.log'),
    // A deployment keeps its key: sessions and encrypted cookies survive a restart.
    appKey: previous?.options.appKey ?? newAppKey(),
    calcomApiKey: d.calcomApiKey,
    webhookSecret: d.webhookSecret,
    loginEmail: d.loginEmail,
    loginPassword: d.loginPassword,
    heartbeatEverySeconds: d.heartbeatEverySeconds,
  };
  mkdirSync(STORAGE, { recursive: true });
  console.log(
    'laravel: migrating, seeding and starting php -S, queue:work, the heartbeat and the Cal.com stand-in',
  );
  const started = await startLaravelInstance(options);
  const state: State = { options, ...started, startedAt: new Date().toISOString() };
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  console.log(`laravel app:       ${started.appUrl}  (login ${d.loginEmail})`);
  console.log(`Cal.com stand-in:  ${started.calcomUrl}`);
  console.log(`health:            ${started.appUrl}/health`);
  console.log(`log:               ${path.relative(process.cwd(), options.logPath)}`);
  console.log(
    `database:          ${options.database} (Redis prefix ${options.redisPrefix}, queue db 0, cache db 1)`,
  );
  console.log(
    `state:             ${path.relative(process.cwd(), STATE_FILE)}; \`npm run laravel -- stop\` stops it`,
  );
  console.log(pc.green('laravel: ready'));
  return 0;
}

async function stop(): Promise<number> {
  const state = readState();
  if (!state) {
    console.log('laravel: not running (no state file)');
    return 0;
  }
  const names = running(state);
  await stopProcesses(state.pids);
  // The options stay (the key, for the next start); the pids go.
  writeFileSync(STATE_FILE, `${JSON.stringify({ ...state, pids: {} }, null, 2)}\n`, { mode: 0o600 });
  console.log(names.length ? `laravel: stopped ${names.join(', ')}` : 'laravel: nothing was running');
  return 0;
}

function status(): number {
  const state = readState();
  const names = state ? running(state) : [];
  if (!state || names.length === 0) {
    console.log('laravel: not running');
    return 1;
  }
  console.log(`laravel: ${state.appUrl} since ${state.startedAt} (${names.join(', ')} running)`);
  return 0;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: String(REFERENCE_DEFAULTS.appPort) },
      'calcom-port': { type: 'string', default: String(REFERENCE_DEFAULTS.calcomPort) },
      forget: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const action = positionals[0];
  if (values.help || !action || !['start', 'stop', 'status'].includes(action)) {
    console.log(
      'usage: npm run laravel -- start [--port 8100] [--calcom-port 8101] | stop [--forget] | status\n' +
        '  start   migrate, seed, start the reference Laravel app and wait until /health is ok\n' +
        '  stop    stop what start started (--forget also deletes storage/laravel-app/)\n' +
        '  status  exit 0 when it runs',
    );
    return values.help ? 0 : 2;
  }
  try {
    if (action === 'start') return await start(Number(values.port), Number(values['calcom-port']));
    if (action === 'stop') {
      const code = await stop();
      if (values.forget) rmSync(STORAGE, { recursive: true, force: true });
      return code;
    }
    return status();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(pc.red(`laravel: ${err.message}`));
      return 1;
    }
    console.error(pc.red(`laravel: ${err instanceof Error ? err.message : String(err)}`));
    return 1;
  }
}

process.exitCode = await main();
