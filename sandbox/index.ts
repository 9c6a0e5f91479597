// Starts the whole sandbox in-process: database (migrated, seeded), Redis, the Cal.com stand-in,
// the booking app and its queue worker, with the fault set applied before the app answers.
import type { AddressInfo } from 'node:net';
import { CircuitBreaker } from './breaker.ts';
import { connectRedis, keys as keyShapes } from './cache.ts';
import { CalcomClient } from './calcom-client.ts';
import { addDrift, CalcomStandin, removeDrift } from './calcom-standin.ts';
import { SANDBOX_DEFAULTS, type SandboxConfig } from './config.ts';
import {
  createPool,
  dropIdempotencyColumn,
  ensureDatabase,
  migrate,
  restoreIdempotencyColumn,
  withMigrationLock,
} from './db.ts';
import { FaultSet, type FaultName } from './faults.ts';
import { AppLog } from './log.ts';
import { createMetrics } from './metrics.ts';
import { seed } from './seed.ts';
import { BookingApp } from './app.ts';
import { makeJob, Worker } from './worker.ts';

/** worker_stopped queues more than the runbook's limit of 100 waiting jobs. */
const PILED_UP_JOBS = 120;
const STALE_HEARTBEAT_MS = 10 * 60_000;
const PROBE_INTERVAL_MS = 5000;

export interface RunningSandbox {
  appUrl: string;
  calcomUrl: string;
  setFaults(names: FaultName[]): Promise<void>;
  faults(): FaultName[];
  stop(): Promise<void>;
}

export async function startSandbox(options: Partial<SandboxConfig> = {}): Promise<RunningSandbox> {
  const cfg: SandboxConfig = { ...SANDBOX_DEFAULTS, ...options };
  await ensureDatabase(cfg.databaseUrl);
  const pool = createPool(cfg.databaseUrl);
  const redis = connectRedis(cfg.redisUrl);
  const cleanups: (() => Promise<unknown>)[] = [
    () => pool.end(),
    () => redis.quit().catch(() => redis.disconnect()),
  ];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    await withMigrationLock(pool, async (client) => {
      await migrate(client);
    });
    // A column left dropped by a killed run comes back before seeding.
    if (!cfg.faults.includes('schema_missing_idempotency')) await restoreIdempotencyColumn(pool);
    await withMigrationLock(pool, (client) =>
      seed(client, { loginEmail: cfg.loginEmail, loginPassword: cfg.loginPassword }),
    );
    await redis.connect();

    const k = keyShapes(cfg);
    const faults = new FaultSet();
    const log = new AppLog(cfg.logPath, 'production', [
      cfg.calcomApiKey,
      cfg.webhookSecret,
      cfg.loginPassword,
    ]);
    const breaker = new CircuitBreaker(3, 10_000);
    let appPort = cfg.port;

    const standin = new CalcomStandin({
      pool,
      faults,
      apiKey: cfg.calcomApiKey,
      webhookSecret: cfg.webhookSecret,
      webhookUrl: () => `http://127.0.0.1:${appPort}/api/webhooks/calcom`,
    });
    await standin.listen(cfg.calcomPort);
    cleanups.push(() => standin.close());
    const calcomUrl = `http://127.0.0.1:${(standin.server.address() as AddressInfo).port}`;
    const calcom = new CalcomClient(calcomUrl, cfg.calcomApiKey);
    cleanups.push(() => calcom.close());

    const worker = new Worker({ redisUrl: cfg.redisUrl, keys: k, queue: cfg.queue, pool, faults });
    await worker.start();
    cleanups.push(() => worker.stop());

    const metrics = createMetrics({
      queueDepth: () => redis.llen(k.queue).catch(() => 0),
      breakerGauge: () => breaker.gauge,
    });
    const setFaults = (names: FaultName[]) => faults.replace(names);
    const app = new BookingApp({
      pool,
      redis,
      keys: k,
      faults,
      log,
      calcom,
      breaker,
      metrics,
      webhookSecret: cfg.webhookSecret,
      eventTypeId: 1,
      setFaults,
    });

    let piledUp: string[] = [];
    faults.onTransition(async (name, on) => {
      switch (name) {
        case 'schema_missing_idempotency':
          return on ? dropIdempotencyColumn(pool) : restoreIdempotencyColumn(pool);
        case 'calcom_drift':
          if (on) await addDrift(pool);
          else await removeDrift(pool);
          return;
        case 'calcom_down':
          // Settle before answering, so that a test sees the breaker's resulting state.
          if (on) await app.probeCalcom(3);
          else {
            breaker.expire();
            await app.probeCalcom(1);
          }
          return;
        case 'worker_stopped':
          if (on) {
            await worker.stop();
            await redis.set(k.heartbeat, new Date(Date.now() - STALE_HEARTBEAT_MS).toISOString());
            piledUp = Array.from({ length: PILED_UP_JOBS }, (_, i) =>
              JSON.stringify(makeJob('App\\Jobs\\SendReminder', { appointment_id: i + 1, piledUp: true })),
            );
            await redis.rpush(k.queue, ...piledUp);
          } else {
            for (const job of piledUp) await redis.lrem(k.queue, 1, job);
            piledUp = [];
            await worker.start();
          }
          return;
        case 'log_errors':
          if (on) app.logSpuriousError('(boot)');
          return;
        default:
          return;
      }
    });
    await faults.replace(cfg.faults);
    cleanups.push(() => faults.replace([]).catch(() => undefined));

    const probe = setInterval(() => {
      if (breaker.state !== 'open') void app.probeCalcom().catch(() => undefined);
    }, PROBE_INTERVAL_MS);
    probe.unref();
    cleanups.push(async () => clearInterval(probe));

    await new Promise<void>((resolve, reject) => {
      app.server.once('error', reject);
      app.server.listen(cfg.port, '127.0.0.1', () => resolve());
    });
    appPort = (app.server.address() as AddressInfo).port;
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          app.server.close(() => resolve());
          app.server.closeAllConnections();
        }),
    );
    log.info('Sandbox started', { faults: faults.list() });

    let stopped: Promise<void> | undefined;
    return {
      appUrl: `http://127.0.0.1:${appPort}`,
      calcomUrl,
      setFaults,
      faults: () => faults.list(),
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
