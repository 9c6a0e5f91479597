// The demo's walk through the runbook (scripts/demo.ts): phases 1 to 8 in turn, stopping at the
// first that fails ("STOP - Don't proceed to next phase"). Where runs may start ahead of their
// turn, phase N+1's run starts while phase N's checks run and begins only once N has passed;
// otherwise each phase's run starts once the previous one has ended. Processes are the caller's:
// `start` makes a run, this decides when.

import { phases } from '../../phases/catalogue.ts';

export const LAST_PHASE = phases.length;

/** A phase run under way (scripts/demo.ts startPhase). */
export interface WalkRun<R> {
  /** Lets a run started ahead begin (a no-op for one started in its turn). */
  begin: () => void;
  /** Ends a run started ahead whose turn never came (it has verified nothing, written nothing). */
  cancel: () => Promise<void>;
  done: Promise<R>;
}

export interface WalkOutcome<R> {
  /** The last run that ended: the failing one, else phase 8's. */
  last: R;
  /** The phase that failed, if one did. */
  failedPhase?: number;
}

/**
 * Walks the phases: `start(phase, ahead)` starts phase `phase`'s run (ahead of its turn when
 * `ahead`), `ended` hears each run as it ends, in order. A run started ahead whose turn never
 * comes (the phase before it failed, or the walk was interrupted) is cancelled.
 */
export async function walkPhases<R extends { exitCode: number }>(
  start: (phase: number, ahead: boolean) => WalkRun<R>,
  opts: { ahead: boolean; ended: (phase: number, run: R) => void },
): Promise<WalkOutcome<R>> {
  let current = start(1, false);
  let next: WalkRun<R> | undefined;
  try {
    for (let phase = 1; ; phase++) {
      next = opts.ahead && phase < LAST_PHASE ? start(phase + 1, true) : undefined;
      const run = await current.done;
      opts.ended(phase, run);
      if (run.exitCode !== 0) return { last: run, failedPhase: phase };
      if (phase === LAST_PHASE) return { last: run };
      if (next) {
        next.begin();
        current = next;
        next = undefined;
      } else {
        current = start(phase + 1, false);
      }
    }
  } finally {
    await next?.cancel();
  }
}
