// Section 3: the same synthetic suite as 4 shards (blob reports), then `merge-reports` with our
// reporter against the same merge with html (and dot: the cost of reading the blobs at all).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { compare, type Comparison } from './compare.ts';
import { PLAYWRIGHT_CLI, runNode } from './measure-process.ts';
import { reportProblem } from './report-check.ts';
import { outputEnv, PHASEGATE_REPORTER, reporterArg, type Variant } from './reporter-cost.ts';
import { summarize, type Summary } from './stats.ts';
import { countKinds, planSuite, writeSuite, type ShotStyle } from './synthetic-suite.ts';

export interface MergeResults extends Comparison<Variant> {
  tests: number;
  shards: number;
  shardWall: Summary | null;
  notes: string[];
}

export async function runMergeCost(o: {
  repo: string;
  tests: number;
  shards: number;
  runs: number;
  log: (s: string) => void;
  /** How the screenshot tests attach their PNG (default: measured, as our browser checks do). */
  shotStyle?: ShotStyle;
}): Promise<MergeResults> {
  const plan = planSuite(o.tests, o.shotStyle);
  const mix = countKinds(plan);
  const dir = path.join(o.repo, `.tmp/bench-merge-${o.tests}-${plan.shotStyle}`);
  rmSync(dir, { recursive: true, force: true });
  await writeSuite(dir, plan, o.repo);
  const blobs = path.join(dir, 'all-blobs');
  mkdirSync(blobs, { recursive: true });
  const shardWalls: number[] = [];
  for (let i = 1; i <= o.shards; i++) {
    const runDir = path.join(dir, `shard-${i}`);
    const m = await runNode([PLAYWRIGHT_CLI, 'test', `--shard=${i}/${o.shards}`, '--reporter=blob'], {
      cwd: dir,
      env: { ...process.env, ...outputEnv(runDir) },
      timeoutMs: 1_800_000,
    });
    shardWalls.push(m.wallMs);
    const blobDir = path.join(runDir, 'blob');
    const zips = existsSync(blobDir) ? readdirSync(blobDir).filter((f) => f.endsWith('.zip')) : [];
    if (zips.length !== 1)
      throw new Error(`shard ${i}: expected one blob zip in ${blobDir}:\n${m.output.slice(-1500)}`);
    copyFileSync(path.join(blobDir, zips[0] as string), path.join(blobs, zips[0] as string));
    o.log(`merge: shard ${i}/${o.shards} in ${(m.wallMs / 1000).toFixed(1)} s`);
  }
  const notes: string[] = [];
  const ours = existsSync(path.join(o.repo, PHASEGATE_REPORTER));
  if (!ours) notes.push(`${PHASEGATE_REPORTER} does not exist yet: merge with our reporter not measured`);
  let k = 0;
  const runOnce = async (v: Variant) => {
    const runDir = path.join(dir, 'merge-out', `${v}-${k++}`);
    mkdirSync(runDir, { recursive: true });
    const m = await runNode(
      [PLAYWRIGHT_CLI, 'merge-reports', `--reporter=${reporterArg(v, o.repo)}`, blobs],
      {
        cwd: dir,
        env: { ...process.env, ...outputEnv(runDir) },
        timeoutMs: 600_000,
      },
    );
    // merge-reports exits 0 even when tests failed (ENVIRONMENT.md).
    let problem: string | null = m.exitCode === 0 ? null : `exit ${m.exitCode}`;
    if (!problem && v === 'phasegate') {
      problem = reportProblem(path.join(runDir, 'storage'), {
        total: o.tests,
        failed: mix.fail,
        warnings: mix.warn,
      });
    }
    rmSync(runDir, { recursive: true, force: true });
    return { m, problem };
  };
  if (ours) await runOnce('phasegate');
  const c = await compare<Variant>({
    variants: ours ? ['html', 'phasegate', 'dot'] : ['html', 'dot'],
    baseline: 'html',
    runs: o.runs,
    runOnce,
    label: `merge ${o.shards}×`,
    log: o.log,
  });
  rmSync(dir, { recursive: true, force: true });
  return {
    ...c,
    tests: o.tests,
    shards: o.shards,
    shardWall: shardWalls.length ? summarize(shardWalls) : null,
    notes,
  };
}
