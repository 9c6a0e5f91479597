// The application's published test coverage, lines: PHPUnit's Clover XML, Cobertura XML or
// istanbul's coverage-summary.json, whichever COVERAGE_SUMMARY points at (told apart by content).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { test } from '../../fixtures/index.ts';
import { coverageSource, readCoverage } from '../../fixtures/coverage-formats.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Test coverage 90%+',
  check({ phase: 6, kind: 'api', covers: 'p6.coverage' }),
  async ({ app, settings, measure }) => {
    const where = requireSetting(
      settings.COVERAGE_SUMMARY,
      'COVERAGE_SUMMARY',
      'the coverage report (Clover or Cobertura XML, or coverage-summary.json): a path on the target, a URL or a file',
    );
    let text: string;
    if (coverageSource(where, existsSync) === 'file') {
      try {
        text = await readFile(where, 'utf8');
      } catch (err) {
        throw new Error(`Test coverage: cannot read ${where} (COVERAGE_SUMMARY): ${(err as Error).message}`);
      }
    } else {
      const res = await app.get(where, {
        headers: { accept: 'application/json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5' },
      });
      if (res.status !== 200)
        throw new Error(`Test coverage: ${where} (COVERAGE_SUMMARY) answered HTTP ${res.status}`);
      text = res.text;
    }
    const coverage = readCoverage(text);
    if ('problem' in coverage) throw new Error(`Test coverage: ${where} ${coverage.problem}`);
    measure('Test coverage', coverage.pct, 'coveragePct', coverage.detail);
  },
);
