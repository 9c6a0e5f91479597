// The runbook's `tail storage/logs/laravel.log | grep -i error`: nothing bad since the deploy.
import { test } from '../../fixtures/index.ts';
import { badEntries, quoteEntries } from '../../fixtures/laravel-log.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Log file clean: 0 errors',
  check({ phase: 1, kind: 'api', covers: 'p1.log-clean' }),
  async ({ app, settings }, testInfo) => {
    const read = await app.logEntries(settings.LOG_WINDOW_MINUTES);
    for (const note of read.notes) testInfo.annotations.push({ type: 'note', description: note });
    const bad = badEntries(read.entries);
    if (bad.length > 0) {
      await testInfo.attach('log errors', {
        body: Buffer.from(
          bad
            .map((e) => e.text)
            .join('\n\n')
            .slice(0, 20_000),
        ),
        contentType: 'text/plain',
      });
      throw new Error(
        `Log file ${settings.APP_LOG_PATH}: ${bad.length} ERROR/CRITICAL entries ${read.sinceDeploy ? `since ${read.sinceDeploy}` : `in the last ${settings.LOG_WINDOW_MINUTES} min`}; first: ${quoteEntries(bad, 1)}\n${quoteEntries(bad)}`,
      );
    }
  },
);
