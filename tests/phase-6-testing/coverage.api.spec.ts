// The application's published test coverage (istanbul coverage-summary.json), lines.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from '../../fixtures/index.ts';
import { coverageLinesPct, coverageSource } from '../../fixtures/api-verdicts.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Test coverage 90%+',
  check({ phase: 6, kind: 'api', covers: 'p6.coverage' }),
  async ({ app, settings, measure }) => {
    const where = requireSetting(
      settings.COVERAGE_SUMMARY,
      'COVERAGE_SUMMARY',
      'coverage-summary.json: a path on the target, a URL or a file',
    );
    let text: string;
    if (coverageSource(where, existsSync) === 'file') {
      try {
        text = await readFile(where, 'utf8');
      } catch (err) {
        throw new Error(`Test coverage: cannot read ${where} (COVERAGE_SUMMARY): ${(err as Error).message}`);
      }
    } else {
      const res = await app.get(where, { headers: { accept: 'application/json' } });
      if (res.status !== 200)
        throw new Error(`Test coverage: ${where} (COVERAGE_SUMMARY) answered HTTP ${res.status}`);
      text = res.text;
    }
    let pct: number | undefined;
    try {
      pct = coverageLinesPct(JSON.parse(text));
    } catch {
      pct = undefined;
    }
    if (pct === undefined)
      throw new Error(`Test coverage: ${where} is not a coverage summary (no total.lines.pct)`);
    measure('Test coverage', pct, 'coveragePct', 'lines');
  },
);
