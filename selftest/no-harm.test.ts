// Checks run against production, so they must leave it as they found it (DESIGN.md "Checks must
// never harm the system they verify"). That a whole run with failures leaves no synthetic record
// and the real data byte-for-byte unchanged is asserted on a fault-matrix run
// (selftest/fault-matrix-a.test.ts, the write-path faults among its own); this file: a run killed
// with SIGKILL mid-check leaves leftovers, and the next run's sweep removes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';
import { runAgainst } from './helpers/run-suite.ts';
import { killGroup } from './helpers/robustness-run.ts';
import {
  changedTables,
  nonSyntheticFingerprint,
  syntheticLeftovers,
  total,
  type TableState,
} from './helpers/robustness-data.ts';
import { testServices } from './helpers/services.ts';

describe('checks never harm the system they verify', () => {
  let sb: TestSandbox;
  let seeded: Record<string, TableState>;
  const left = () =>
    syntheticLeftovers(sb.databaseUrl, sb.suiteEnv.REDIS_URL ?? testServices().redisUrl, sb.redisPrefix);

  before(async () => {
    sb = await startTestSandbox();
    seeded = await nonSyntheticFingerprint(sb.databaseUrl);
  });

  after(async () => {
    await sb?.stop();
  });

  test('a run killed with SIGKILL mid-check leaves leftovers; the next run sweeps them', async () => {
    let pid: number | undefined;
    const killed = runAgainst(sb, {
      grep: 'Booking success rate',
      apiOnly: true,
      deadlineMs: 180_000,
      onSpawn: (p) => (pid = p),
    });
    // Kill as soon as the first synthetic booking exists, before its test can clean it up.
    const deadline = Date.now() + 90_000;
    let found = 0;
    while (Date.now() < deadline && found === 0) {
      found = (await left()).appointments;
      if (found === 0) await new Promise((r) => setTimeout(r, 50));
    }
    killGroup(pid);
    await killed;
    const leftover = await left();
    assert.ok(leftover.appointments > 0, 'the killed run left no synthetic appointment behind');
    assert.ok(leftover.activeCalcomBookings > 0, 'the killed run left no active Cal.com booking behind');

    const sweeper = await runAgainst(sb, {
      grep: 'Database connectivity',
      apiOnly: true,
      env: { SYNTHETIC_SWEEP_MINUTES: '0' },
      deadlineMs: 180_000,
    });
    assert.equal(sweeper.run.exitCode, 0, sweeper.describe());
    assert.match(sweeper.run.stdout, /swept synthetic leftovers/, sweeper.describe());
    const after_ = await left();
    assert.equal(total(after_), 0, JSON.stringify(after_));
    assert.deepEqual(changedTables(seeded, await nonSyntheticFingerprint(sb.databaseUrl, seeded)), []);
  });
});
