// The Cal.com stand-in alone, for a target other than the sandbox's own app (the reference
// Laravel app in laravel-app/): SANDBOX_CALCOM_PORT, SANDBOX_DATABASE_URL (its own database,
// created and migrated if missing), SANDBOX_CALCOM_API_KEY, SANDBOX_WEBHOOK_SECRET, and
// SANDBOX_CALCOM_WEBHOOK_URL, where it sends its signed webhooks. SIGTERM/SIGINT stop it.
import type { AddressInfo } from 'node:net';
import { CalcomStandin } from './calcom-standin.ts';
import { readSandboxConfig } from './config.ts';
import { createPool, ensureDatabase, migrate, withMigrationLock } from './db.ts';
import { FaultSet } from './faults.ts';

async function main(): Promise<void> {
  const cfg = readSandboxConfig();
  const webhookUrl = process.env.SANDBOX_CALCOM_WEBHOOK_URL?.trim();
  if (!webhookUrl) throw new Error('SANDBOX_CALCOM_WEBHOOK_URL: names no webhook subscriber URL');
  await ensureDatabase(cfg.databaseUrl);
  const pool = createPool(cfg.databaseUrl);
  await withMigrationLock(pool, (client) => migrate(client));
  const standin = new CalcomStandin({
    pool,
    faults: new FaultSet(),
    apiKey: cfg.calcomApiKey,
    webhookSecret: cfg.webhookSecret,
    webhookUrl: () => webhookUrl,
  });
  await standin.listen(cfg.calcomPort);
  console.log(`Cal.com stand-in: http://127.0.0.1:${(standin.server.address() as AddressInfo).port}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    Promise.all([standin.close(), pool.end()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`Cal.com stand-in: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
