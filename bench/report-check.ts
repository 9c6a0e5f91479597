// A reporter that writes nothing is very fast: every timed run of our reporter is checked for a
// report whose counts match the suite, or it does not count.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Parses status.env's `KEY=value` lines (values may be shell-quoted; comments allowed). */
export function parseStatusEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=('(?:[^']*)'|"(?:[^"]*)"|[^\s#]*)/.exec(line.trim());
    if (!m) continue;
    const raw = m[2] ?? '';
    out[m[1] as string] = /^['"]/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return out;
}

/** The one report our reporter wrote under `storageDir`, or why there is none. */
export function readReport(
  storageDir: string,
): { status: Record<string, string>; dir: string } | { error: string } {
  const reports = path.join(storageDir, 'reports');
  if (!existsSync(reports)) return { error: `no ${reports}` };
  const dirs = readdirSync(reports).filter((d) => d.startsWith('phase_'));
  if (dirs.length !== 1) return { error: `expected one report under ${reports}, found ${dirs.length}` };
  const dir = path.join(reports, dirs[0] as string);
  const file = path.join(dir, 'status.env');
  if (!existsSync(file)) return { error: `no ${file}` };
  return { status: parseStatusEnv(readFileSync(file, 'utf8')), dir };
}

/** null when the report matches the expected totals, else what is wrong. */
export function reportProblem(
  storageDir: string,
  expect: { total: number; failed: number; warnings: number },
): string | null {
  const r = readReport(storageDir);
  if ('error' in r) return r.error;
  const got = {
    total: Number(r.status.TOTAL),
    failed: Number(r.status.FAILED),
    warnings: Number(r.status.WARNINGS),
  };
  if (got.total !== expect.total || got.failed !== expect.failed || got.warnings !== expect.warnings) {
    return `status.env says TOTAL=${got.total} FAILED=${got.failed} WARNINGS=${got.warnings}, expected ${expect.total}/${expect.failed}/${expect.warnings}`;
  }
  return null;
}
