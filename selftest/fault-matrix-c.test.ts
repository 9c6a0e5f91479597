// Fault matrix, part C: slow pages and stalled events, then Cal.com down (the breaker opens, so
// these come last on their sandbox) with and without graceful degradation.
import { after, before, describe, test } from 'node:test';
import { assertFaults } from './helpers/fault-matrix.ts';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.ts';

describe('fault matrix C: slow pages, events, Cal.com down, no degradation', () => {
  let sb: TestSandbox;
  before(async () => {
    sb = await startTestSandbox();
  });
  after(async () => {
    await sb?.stop();
  });

  test('slow_pages, events_stalled', async () => {
    await assertFaults(sb, ['slow_pages', 'events_stalled']);
  });

  test('calcom_down: Cal.com checks and the breaker red, graceful degradation green', async () => {
    await assertFaults(sb, ['calcom_down']);
  });

  test('calcom_down,no_degradation: graceful degradation red too', async () => {
    await assertFaults(sb, ['calcom_down', 'no_degradation']);
  });
});
