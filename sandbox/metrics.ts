// The app's Prometheus metrics: a private Registry per sandbox, so that several sandboxes in one
// process never share counters.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricSources {
  queueDepth: () => Promise<number>;
  breakerGauge: () => number;
}

export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs waiting in the default queue',
    registers: [registry],
    async collect() {
      this.set(await sources.queueDepth());
    },
  });
  new Gauge({
    name: 'circuit_breaker_state',
    help: 'Cal.com circuit breaker: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    collect() {
      this.set(sources.breakerGauge());
    },
  });
  const bookings = new Counter({
    name: 'bookings_created_total',
    help: 'Appointments created',
    registers: [registry],
  });
  return {
    registry,
    observe(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
    bookingCreated() {
      bookings.inc();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
