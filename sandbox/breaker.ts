// The circuit breaker around Cal.com (sandbox/README.md): opens after 3 consecutive failures,
// half-opens after 10 s, closes on a success. A small one of its own so its clock can be injected
// in tests.
export type BreakerState = 'closed' | 'half_open' | 'open';

export class BreakerOpenError extends Error {
  constructor() {
    super('Circuit breaker is open: Cal.com calls are suspended');
    this.name = 'BreakerOpenError';
  }
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trial = false;

  constructor(
    private readonly threshold = 3,
    private readonly resetMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.resetMs ? 'half_open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** 0 closed, 1 half-open, 2 open: the `circuit_breaker_state` gauge. */
  get gauge(): number {
    return { closed: 0, half_open: 1, open: 2 }[this.state];
  }

  async fire<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.trial)) throw new BreakerOpenError();
    if (state === 'half_open') this.trial = true;
    try {
      const result = await fn();
      this.failures = 0;
      this.openedAt = undefined;
      return result;
    } catch (err) {
      this.failures++;
      if (state === 'half_open' || this.failures >= this.threshold) this.openedAt = this.now();
      throw err;
    } finally {
      if (state === 'half_open') this.trial = false;
    }
  }

  /** Lets the next call through as a trial, as if the reset time had passed. */
  expire(): void {
    if (this.openedAt !== undefined) this.openedAt = this.now() - this.resetMs;
  }
}
