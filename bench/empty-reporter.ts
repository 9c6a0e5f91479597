// The `empty` variant of section 2: a TypeScript reporter file that does nothing. Playwright loads
// it as it loads ours (through its ESM loader and transform), so `empty` against `dot` is what any
// reporter file pays before doing any work, and `phasegate` against `empty` is our reporter's own
// cost (BENCHMARKS.md, section 15).
import type { Reporter } from '@playwright/test/reporter';

export default class EmptyReporter implements Reporter {
  printsToStdio(): boolean {
    return false;
  }
}
