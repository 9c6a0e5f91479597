// The phase catalogue is valid, and the checks in tests/ cover it: every checklist item of
// phases 1-8 has at least one check, every check names existing items, carries the tags of the
// phase that introduced it and every later phase, and has a unique title.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { phases, thresholds, checklistUpTo } from '../phases/catalogue.ts';
import { phaseTags } from '../fixtures/tags.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ListedCheck {
  title: string;
  file: string;
  tags: string[];
  covers: string[];
}

interface JsonSuite {
  file?: string;
  specs?: {
    title: string;
    file: string;
    tags?: string[];
    tests: { annotations?: { type: string; description?: string }[] }[];
  }[];
  suites?: JsonSuite[];
}

async function listChecks(): Promise<ListedCheck[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '--list', '--reporter=json'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' },
      maxBuffer: 64 << 20,
      timeout: 120_000,
    },
  );
  const report = JSON.parse(stdout) as { suites?: JsonSuite[] };
  const out = new Map<string, ListedCheck>();
  const walk = (s: JsonSuite) => {
    for (const spec of s.specs ?? []) {
      // One spec per project (api, e2e); a check belongs to one of them.
      const covers = spec.tests.flatMap((t) =>
        (t.annotations ?? []).filter((a) => a.type === 'checklist').map((a) => a.description ?? ''),
      );
      const key = `${spec.file}::${spec.title}`;
      const prev = out.get(key);
      out.set(key, {
        title: spec.title,
        file: spec.file,
        // The JSON reporter drops the leading @.
        tags: (spec.tags ?? []).map((t) => (t.startsWith('@') ? t : `@${t}`)),
        covers: [...new Set([...(prev?.covers ?? []), ...covers])],
      });
    }
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of report.suites ?? []) walk(s);
  return [...out.values()];
}

describe('phase catalogue', () => {
  test('eight phases, ids 1-8 in order, unique checklist ids', () => {
    assert.deepEqual(
      phases.map((p) => p.id),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    const ids = checklistUpTo(8).map((c) => c.item.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const { phase, item } of checklistUpTo(8)) assert.ok(item.id.startsWith(`p${phase}.`), item.id);
  });
  test('thresholds have their target on the good side of the limit', () => {
    for (const [name, t] of Object.entries(thresholds)) {
      if (t.better === 'higher') assert.ok(t.target >= t.limit, name);
      else assert.ok(t.target <= t.limit, name);
    }
  });
});

describe('the checks in tests/ against the catalogue', () => {
  let checks: ListedCheck[] = [];
  before(async () => {
    checks = await listChecks();
  });

  test('the suite lists checks', () => {
    assert.ok(checks.length >= 20, `only ${checks.length} checks listed`);
  });

  test('every checklist item of phases 1-8 is covered by at least one check', () => {
    const covered = new Set(checks.flatMap((c) => c.covers));
    const missing = checklistUpTo(8)
      .map((c) => c.item.id)
      .filter((id) => !covered.has(id));
    assert.deepEqual(missing, [], `checklist items with no check: ${missing.join(', ')}`);
  });

  test('every check covers existing checklist items of its own phase', () => {
    const known = new Map(checklistUpTo(8).map((c) => [c.item.id, c.phase]));
    for (const c of checks) {
      assert.ok(c.covers.length > 0, `${c.title} covers no checklist item`);
      for (const id of c.covers) assert.ok(known.has(id), `${c.title} covers unknown item ${id}`);
    }
  });

  test('tags: the introducing phase and every later one, a kind, the folder of its phase', () => {
    for (const c of checks) {
      const phaseNums = c.tags.filter((t) => /^@phase\d$/.test(t)).map((t) => Number(t.slice(6)));
      assert.ok(phaseNums.length > 0, `${c.title} has no phase tag`);
      const first = Math.min(...phaseNums);
      assert.deepEqual(
        c.tags.filter((t) => /^@phase\d$/.test(t)),
        phaseTags(first),
        `${c.title}: phase tags`,
      );
      const kinds = c.tags.filter((t) => t === '@api' || t === '@e2e');
      assert.equal(kinds.length, 1, `${c.title}: exactly one of @api/@e2e`);
      assert.match(
        c.file,
        new RegExp(`phase-${first}-[a-z]+/[a-z0-9-]+\\.${kinds[0]?.slice(1)}\\.spec\\.ts$`),
        c.title,
      );
      for (const id of c.covers)
        assert.ok(id.startsWith(`p${first}.`), `${c.title} (phase ${first}) covers ${id}`);
    }
  });

  test('titles are unique across the suite', () => {
    const titles = checks.map((c) => c.title);
    const dupes = titles.filter((t, i) => titles.indexOf(t) !== i);
    assert.deepEqual(dupes, []);
  });
});
