// The demo's walk (scripts/demo/walk.ts) with stand-in runs: which phase starts when, which
// begins, which is cancelled. The whole `npm run demo` is selftest/demo.test.ts; this covers the
// orders that one cannot afford to run: each run started in its turn (CI, or no shared sandbox),
// a failure in the middle, and an interrupted walk.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LAST_PHASE, walkPhases, type WalkRun } from '../scripts/demo/walk.ts';

interface Fake {
  exitCode: number;
}

/** Stand-in runs: each records what happens to it; `exitCodes[phase]` is its result (else 0). */
function fakeRuns(exitCodes: Record<number, number> = {}) {
  const events: string[] = [];
  const running = new Set<number>();
  let overlap = 0;
  const start = (phase: number, ahead: boolean): WalkRun<Fake> => {
    events.push(`start ${phase}${ahead ? ' ahead' : ''}`);
    let begun = !ahead;
    let cancelled = false;
    let release: () => void = () => undefined;
    const turn = new Promise<void>((r) => (release = r));
    if (begun) release();
    const done = (async () => {
      await turn;
      if (cancelled) return { exitCode: 137 };
      running.add(phase);
      overlap = Math.max(overlap, running.size);
      await new Promise((r) => setTimeout(r, 1));
      running.delete(phase);
      return { exitCode: exitCodes[phase] ?? 0 };
    })();
    return {
      begin: () => {
        assert.ok(!begun, `phase ${phase} began twice`);
        begun = true;
        events.push(`begin ${phase}`);
        release();
      },
      cancel: async () => {
        cancelled = true;
        events.push(`cancel ${phase}`);
        release();
        await done;
      },
      done,
    };
  };
  return { events, start, maxRunning: () => overlap };
}

describe('the demo walk', () => {
  test('each run started in its turn: all eight phases, one after another', async () => {
    const f = fakeRuns();
    const ended: number[] = [];
    const out = await walkPhases(f.start, { ahead: false, ended: (p) => ended.push(p) });
    assert.deepEqual(ended, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(out.failedPhase, undefined);
    assert.deepEqual(
      f.events,
      Array.from({ length: LAST_PHASE }, (_, i) => `start ${i + 1}`),
    );
    assert.equal(f.maxRunning(), 1);
  });

  test('runs started ahead: the next one starts meanwhile and begins once this one passed', async () => {
    const f = fakeRuns();
    const ended: number[] = [];
    await walkPhases(f.start, { ahead: true, ended: (p) => ended.push(p) });
    assert.deepEqual(ended, [1, 2, 3, 4, 5, 6, 7, 8]);
    const expected = ['start 1'];
    for (let p = 2; p <= LAST_PHASE; p++) expected.push(`start ${p} ahead`, `begin ${p}`);
    assert.deepEqual(f.events, expected);
    // Started ahead, but checking one at a time.
    assert.equal(f.maxRunning(), 1);
  });

  test('a failing phase stops the walk: nothing later begins, the run waiting ahead is cancelled', async () => {
    for (const ahead of [false, true]) {
      const f = fakeRuns({ 3: 1 });
      const ended: number[] = [];
      const out = await walkPhases(f.start, { ahead, ended: (p) => ended.push(p) });
      assert.deepEqual(ended, [1, 2, 3], `ahead: ${ahead}`);
      assert.equal(out.failedPhase, 3);
      assert.equal(out.last.exitCode, 1);
      assert.ok(!f.events.includes('begin 4'), f.events.join(', '));
      if (ahead) assert.equal(f.events.at(-1), 'cancel 4');
      else assert.ok(!f.events.some((e) => e.startsWith('start 4')), f.events.join(', '));
    }
  });

  test('an interrupted walk cancels the run waiting ahead', async () => {
    const f = fakeRuns();
    await assert.rejects(
      walkPhases(f.start, {
        ahead: true,
        ended: (p) => {
          if (p === 2) throw new Error('interrupted');
        },
      }),
      /interrupted/,
    );
    assert.deepEqual(f.events.slice(-2), ['start 3 ahead', 'cancel 3']);
  });
});
