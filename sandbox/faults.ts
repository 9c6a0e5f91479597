// The fault switches of sandbox/README.md. Each reproduces one real failure the runbook's checks
// exist to catch; they can be set at start (SANDBOX_FAULTS) and replaced at run time.
export const FAULT_NAMES = [
  'health_down',
  'health_stale',
  'schema_missing_idempotency',
  'login_blank',
  'console_error',
  'log_errors',
  'cache_stale',
  'webhook_duplicates',
  'webhook_unsigned',
  'calcom_drift',
  'calcom_down',
  'no_degradation',
  'errors_blank',
  'breaker_hidden',
  'slow_pages',
  'slow_queries',
  'spinner_stuck',
  'worker_stopped',
  'events_stalled',
  'metrics_down',
  'low_coverage',
  'docs_missing',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/** A fault's side effects outside the request path (dropping a column, queueing jobs, ...). */
export type FaultTransition = (name: FaultName, on: boolean) => Promise<void>;

/** The active set. Transitions run in order, so a switch is complete when `replace` resolves. */
export class FaultSet {
  private active = new Set<FaultName>();
  private transitions: FaultTransition[] = [];
  private chain: Promise<void> = Promise.resolve();

  has(name: FaultName): boolean {
    return this.active.has(name);
  }

  list(): FaultName[] {
    return FAULT_NAMES.filter((n) => this.active.has(n));
  }

  onTransition(fn: FaultTransition): void {
    this.transitions.push(fn);
  }

  /** Replaces the active set; turned-off faults are undone before new ones are applied. */
  replace(names: readonly FaultName[]): Promise<void> {
    const run = async () => {
      const next = new Set(names);
      const off = [...this.active].filter((n) => !next.has(n));
      const on = [...next].filter((n) => !this.active.has(n));
      for (const name of off) {
        this.active.delete(name);
        for (const t of this.transitions) await t(name, false);
      }
      for (const name of on) {
        this.active.add(name);
        for (const t of this.transitions) await t(name, true);
      }
    };
    const result = this.chain.then(run);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
