// `npm run new-check -- --phase 3 --kind api --title "..." --covers p3.circuit-breaker [--critical]
// [--subject name] [--threshold apiP95Ms] [--tests-dir tests]`: writes the skeleton of one check
// under tests/phase-N-*/ with its tags and checklist ids already right. The skeleton FAILS until a
// QA engineer writes its probe: a generated check that passed would be a green lie in a report.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { phases, thresholds, type ThresholdName } from '../phases/catalogue.ts';

export const USAGE = `Usage: npm run new-check -- --phase <1-8> --kind <api|e2e> --title "<what must be true>"
         --covers <checklist id>[,<id>...] [--critical] [--subject <file-name>]
         [--threshold <name>] [--tests-dir <dir>]

Writes tests/phase-<N>-<name>/<subject>.<kind>.spec.ts. Checklist ids and thresholds are those of
phases/catalogue.ts, e.g. --covers p3.circuit-breaker --threshold apiP95Ms.`;

/** The checklist ids of every phase and the threshold names, for --help. */
export function catalogueHelp(): string {
  const ids = phases.map((p) => `  ${p.id} ${p.name}: ${p.checklist.map((i) => i.id).join(', ')}`);
  const names = Object.entries(thresholds).map(([n, t]) => `${n} (${t.unit})`);
  return `Checklist ids (--covers):\n${ids.join('\n')}\nThresholds (--threshold): ${names.join(', ')}`;
}

/** `--help`: the message is the usage text, shown on stdout with exit code 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

/** A usage problem: the message is shown as is, with no stack trace. */
export class NewCheckError extends Error {
  override name = 'NewCheckError';
}

export interface NewCheckOptions {
  phase: number;
  kind: 'api' | 'e2e';
  title: string;
  covers: string[];
  critical: boolean;
  subject: string;
  threshold: ThresholdName | undefined;
}

/** The folder of a phase's checks: `phase-3-resilience`, from the catalogue's names. */
export function phaseFolder(phase: number): string {
  const p = phases.find((x) => x.id === phase);
  if (!p) throw new NewCheckError(`--phase must be a whole number from 1 to 8, got ${phase}`);
  return `phase-${p.id}-${slug(p.name)}`;
}

/** kebab-case file name from a title: "Page load < 3 s" → "page-load-3-s". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known ids closest to `wanted` (same phase first), at most `max`. */
export function nearest(wanted: string, known: readonly string[], max = 3): string[] {
  const phasePrefix = /^p[1-8]\./.exec(wanted)?.[0];
  return [...known]
    .map((id) => ({
      id,
      score: editDistance(wanted, id) - (phasePrefix && id.startsWith(phasePrefix) ? 0.5 : 0),
    }))
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, max)
    .map((x) => x.id);
}

/** Parses and validates the command line; every problem at once, each with what to do. */
export function parseOptions(argv: string[]): NewCheckOptions & { testsDir: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        phase: { type: 'string' },
        kind: { type: 'string' },
        title: { type: 'string' },
        covers: { type: 'string', multiple: true },
        critical: { type: 'boolean', default: false },
        subject: { type: 'string' },
        threshold: { type: 'string' },
        'tests-dir': { type: 'string', default: 'tests' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new NewCheckError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) throw new HelpRequested(`${USAGE}\n\n${catalogueHelp()}`);
  const problems: string[] = [];
  const phase = Number(values.phase);
  if (values.phase === undefined) problems.push('--phase is required (1 to 8)');
  else if (!/^[1-8]$/.test(values.phase.trim()))
    problems.push(`--phase must be 1 to 8, got "${values.phase}"`);
  const kind = values.kind;
  if (kind !== 'api' && kind !== 'e2e') {
    problems.push(
      `--kind must be api (no browser) or e2e (browser)${kind === undefined ? '' : `, got "${kind}"`}`,
    );
  }
  const title = values.title?.trim() ?? '';
  if (!title) problems.push("--title is required: what must be true, in the runbook's words");
  const covers = (values.covers ?? [])
    .flatMap((c) => c.split(','))
    .map((c) => c.trim())
    .filter(Boolean);
  const known = phases.flatMap((p) => p.checklist.map((i) => i.id));
  if (covers.length === 0) {
    const ofPhase = phases.find((p) => p.id === phase)?.checklist.map((i) => i.id) ?? [];
    problems.push(
      `--covers is required: the checklist id(s) this check covers${ofPhase.length ? ` (phase ${phase}: ${ofPhase.join(', ')})` : ''}`,
    );
  }
  for (const id of covers) {
    if (!known.includes(id)) {
      problems.push(
        `--covers: unknown checklist id "${id}"; nearest: ${nearest(id, known).join(', ')} (all ids: phases/catalogue.ts)`,
      );
    }
  }
  let threshold: ThresholdName | undefined;
  if (values.threshold !== undefined) {
    const names = Object.keys(thresholds);
    if (names.includes(values.threshold)) threshold = values.threshold as ThresholdName;
    else {
      problems.push(
        `--threshold: unknown threshold "${values.threshold}"; nearest: ${nearest(values.threshold, names).join(', ')}`,
      );
    }
  }
  const subject = values.subject === undefined ? slug(title) : values.subject.trim();
  if (values.subject !== undefined && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(subject)) {
    problems.push(`--subject must be kebab-case (letters, digits, -), got "${values.subject}"`);
  } else if (!subject && title) {
    problems.push('--subject is required when the title has no letters or digits');
  }
  if (problems.length > 0) {
    throw new NewCheckError(
      `new-check: ${problems.length === 1 ? 'a problem' : 'problems'}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${USAGE}`,
    );
  }
  return {
    phase,
    kind: kind as 'api' | 'e2e',
    title,
    covers,
    critical: values.critical ?? false,
    subject,
    threshold,
    testsDir: values['tests-dir'] ?? 'tests',
  };
}

/** A single-quoted TypeScript string literal. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/**
 * The spec file's text. `fixturesImport` is the import path of fixtures/index.ts and `tagsImport`
 * that of fixtures/tags.ts, relative to the new file; `displayPath` is where the file lands.
 */
export function renderCheck(
  o: NewCheckOptions,
  imports: { fixtures: string; tags: string },
  displayPath: string,
): string {
  const item = phases.flatMap((p) => p.checklist).find((i) => i.id === o.covers[0]);
  const coversLiteral =
    o.covers.length === 1 ? quote(o.covers[0] ?? '') : `[${o.covers.map(quote).join(', ')}]`;
  const details = `check({ phase: ${o.phase}, kind: '${o.kind}', covers: ${coversLiteral}${o.critical ? ', critical: true' : ''} })`;
  const t = o.threshold ? thresholds[o.threshold] : undefined;
  const e2e = o.kind === 'e2e';
  const fixtures = [
    e2e ? 'authedPage' : 'app',
    ...(e2e ? ['snap'] : []),
    ...(o.threshold ? ['measure'] : []),
  ].join(', ');
  const notWritten = quote(`This check is not written yet: write its probe in ${displayPath}`);
  const probeDoc = e2e
    ? [
        ' * Probe: the I/O only. Open the page with `authedPage.goto(...)`, find elements by role and',
        " * label (never by CSS class), and attach evidence with `snap(authedPage, '<name>')`.",
        ' * A check that only reads pages may take `readerPage` instead: the worker’s tab, signed in',
        ' * once (a new page and sign-in cost ~350 ms a check). Keep `authedPage` to submit forms.',
      ]
    : [
        ' * Probe: the I/O only: HTTP through `app`, SQL through `db`, Redis through `cache`, Cal.com',
        ' * through `calcom`. Records it writes must be synthetic (the `synthetic` fixture removes them).',
      ];
  const valueType = t ? 'number' : 'boolean';
  const returns = t
    ? ` * Returns the measured value in ${t.unit} (threshold ${o.threshold}: target ${t.target}, limit ${t.limit}).`
    : ' * Returns whether what the title promises holds.';
  const decide = t
    ? [`  await measure(${quote(o.title)}, value, ${quote(o.threshold ?? '')});`]
    : [
        `  expect(value, ${quote(`${o.title}: <say what is wrong, in a release manager's words>`)}).toBe(true);`,
      ];
  return [
    `// ${item ? `${item.text} (${o.covers.join(', ')})` : o.covers.join(', ')}.`,
    '// Generated by `npm run new-check`; it fails until its probe is written.',
    `import { test${t ? '' : ', expect'} } from ${quote(imports.fixtures)};`,
    `import { check } from ${quote(imports.tags)};`,
    '',
    `test(${quote(o.title)}, ${details}, async ({ ${fixtures} }) => {`,
    '  // A setting the target lacks makes the check skip (grey, naming it), never pass: take',
    "  // `settings` too and call requireSetting(settings.SOME_PATH, 'SOME_PATH', 'what it is').",
    `  const value = await probe(${e2e ? 'authedPage' : 'app'});`,
    ...(e2e ? [`  await snap(authedPage, ${quote(o.subject.replace(/-/g, ' '))});`] : []),
    `  if (value === undefined) throw new Error(${notWritten});`,
    ...decide,
    '});',
    '',
    '/**',
    ...probeDoc,
    returns,
    ' */',
    `async function probe(_target: unknown): Promise<${valueType} | undefined> {`,
    '  return undefined;',
    '}',
    '',
  ].join('\n');
}

/** Writes the check; refuses to overwrite. Returns the path written. */
/** Writes the check, in the house format; refuses to overwrite. Returns the path written. */
export async function writeCheck(
  o: NewCheckOptions & { testsDir: string },
  projectRoot: string,
): Promise<string> {
  const dir = path.resolve(projectRoot, o.testsDir, phaseFolder(o.phase));
  const file = path.join(dir, `${o.subject}.${o.kind}.spec.ts`);
  const display = path.relative(projectRoot, file) || file;
  if (existsSync(file)) {
    throw new NewCheckError(
      `new-check: ${display} already exists; choose another --subject (nothing was written)`,
    );
  }
  const rel = (target: string) => {
    const r = path.relative(dir, path.join(projectRoot, target)).split(path.sep).join('/');
    return r.startsWith('.') ? r : `./${r}`;
  };
  const text = renderCheck(o, { fixtures: rel('fixtures/index.ts'), tags: rel('fixtures/tags.ts') }, display);
  const config = await prettier.resolveConfig(path.join(projectRoot, 'package.json'));
  const formatted = await prettier.format(text, { ...config, filepath: file });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, formatted, { flag: 'wx' });
  return file;
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const opts = parseOptions(process.argv.slice(2));
    const file = await writeCheck(opts, root);
    const rel = path.relative(process.cwd(), file);
    console.log(`Wrote ${rel}`);
    console.log(
      `Tags: @phase${opts.phase}…@phase8 @${opts.kind}${opts.critical ? ' @critical' : ''}; covers ${opts.covers.join(', ')}`,
    );
    console.log(`It fails until you write its probe. Run it: npx playwright test ${rel}`);
  } catch (err) {
    if (err instanceof HelpRequested) {
      console.log(err.message);
      return;
    }
    if (err instanceof NewCheckError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
