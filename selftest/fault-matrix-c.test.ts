// Fault matrix, part C: Cal.com down (the breaker opens, so these have a sandbox of their own)
// with and without graceful degradation.
import { after, before, describe, test } from 'node:test';
import { assertFaults } from './helpers/fault-matrix.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

describe('fault matrix C: Cal.com down, with and without graceful degradation', () => {
  let sb: TestSandbox;
  before(async () => {
    sb = await startTestSandbox();
  });
  after(async () => {
    await sb?.stop();
  });

  test('calcom_down: Cal.com checks and the breaker red, graceful degradation green', async () => {
    await assertFaults(sb, ['calcom_down']);
  });

  test('calcom_down,no_degradation: graceful degradation red too', async () => {
    await assertFaults(sb, ['calcom_down', 'no_degradation']);
  });
});
