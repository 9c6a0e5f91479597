// The booking app: routes of sandbox/README.md on Node's http server. It stands in for the
// Laravel application the suite verifies; fault switches bend its behaviour at run time.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { BreakerOpenError, type CircuitBreaker } from './breaker.ts';
import type { Keys } from './cache.ts';
import type { CalcomClient } from './calcom-client.ts';
import { isFaultName, type FaultName, type FaultSet } from './faults.ts';
import { HttpError, parseBody, readBody, redirect, sendHtml, sendJson, sleep, wantsJson } from './http-io.ts';
import type { AppLog } from './log.ts';
import type { Metrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { dashboardPage, detailPage, docsPage, formPage, loginPage, type AppointmentView } from './pages.ts';
import { verifyPassword } from './password.ts';
import { csrfValid, SessionStore, type Session } from './session.ts';
import { makeJob } from './worker.ts';

const SLOW_PAGE_MS = 4000;
const SLOW_QUERY_S = 1.5;
const AVAILABILITY_TTL_S = 300;
const STALE_MS = 10 * 60_000;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface AppOptions {
  pool: pg.Pool;
  redis: Redis;
  keys: Keys;
  faults: FaultSet;
  log: AppLog;
  calcom: CalcomClient;
  breaker: CircuitBreaker;
  metrics: Metrics;
  webhookSecret: string;
  eventTypeId: number;
  /** Applies a new fault set (the control endpoint); resolves once the sandbox has settled. */
  setFaults: (names: FaultName[]) => Promise<void>;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: string;
}

type AppointmentRow = Record<string, unknown> & {
  id: string;
  patient_name: string;
  client_email: string;
  starts_at: Date;
  ends_at: Date;
  status: string;
  calcom_booking_uid: string | null;
  notes: string | null;
  idempotency_key?: string;
};

function view(a: AppointmentRow): AppointmentView {
  return {
    id: Number(a.id),
    patient_name: a.patient_name,
    client_email: a.client_email,
    starts_at: a.starts_at.toISOString(),
    ends_at: a.ends_at.toISOString(),
    status: a.status,
    idempotency_key: a.idempotency_key ?? null,
    calcom_booking_uid: a.calcom_booking_uid,
    notes: a.notes,
  };
}

/** ISO with a zone, or datetime-local (read as UTC, the clinic's server zone). */
function parseStart(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value);
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (!local && !iso) return null;
  const d = new Date(local ? `${value}Z` : value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export class BookingApp {
  readonly server: Server;
  readonly sessions = new SessionStore();
  /** The last thing Cal.com told us: kept by calls and by the periodic probe. */
  private calcomUp = true;
  private calcomLatencyMs = 0;

  constructor(private readonly o: AppOptions) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
  }

  /** True when the form must show its degraded notice. */
  get degraded(): boolean {
    return !this.calcomUp || this.o.breaker.state !== 'closed';
  }

  /** One round of the Cal.com probe, through the breaker (up to `attempts` tries while failing). */
  async probeCalcom(attempts = 1): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const t0 = performance.now();
      try {
        await this.o.breaker.fire(() => this.o.calcom.listBookings({ take: 1 }));
        this.calcomUp = true;
        this.calcomLatencyMs = Math.round(performance.now() - t0);
        return true;
      } catch (err) {
        if (err instanceof BreakerOpenError) return false;
        this.calcomUp = false;
        this.calcomLatencyMs = Math.round(performance.now() - t0);
      }
    }
    return false;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    const ctx: Ctx = { req, res, url, route: 'unmatched' };
    if (!url.pathname.startsWith('/__sandbox/')) {
      // Registered first: a handler may finish the response before it returns.
      res.once('finish', () =>
        this.o.metrics.observe(
          req.method ?? 'GET',
          ctx.route,
          res.statusCode,
          (performance.now() - t0) / 1000,
        ),
      );
    }
    try {
      await this.route(ctx);
    } catch (err) {
      this.fail(ctx, err);
    }
  }

  private fail(ctx: Ctx, err: unknown): void {
    const { req, res } = ctx;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      sendJson(res, err.status, { message: err.message });
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    this.o.log.error(e.message, e, { url: ctx.url.pathname, method: req.method });
    if (wantsJson(req) || ctx.url.pathname.startsWith('/api/'))
      sendJson(res, 500, { message: 'Server Error' });
    else sendHtml(res, 500, '<!doctype html><title>Server Error</title><h1>500 | Server Error</h1>');
  }

  private async route(ctx: Ctx): Promise<void> {
    const { req, url } = ctx;
    const method = req.method ?? 'GET';
    const p = url.pathname;
    const at = (m: string, path: string) => {
      if (method !== m || p !== path) return false;
      ctx.route = path;
      return true;
    };
    if (p.startsWith('/__sandbox/')) return this.control(ctx);
    if (this.o.faults.has('log_errors')) this.logSpuriousError(p);
    if (at('GET', '/login')) return this.loginForm(ctx);
    if (at('POST', '/login')) return this.login(ctx);
    if (at('GET', '/appointments/create')) return this.form(ctx);
    if (at('POST', '/appointments')) return this.createAppointment(ctx);
    const detail = /^\/appointments\/(\d+)$/.exec(p);
    if (detail && method === 'GET') {
      ctx.route = '/appointments/{id}';
      return this.detail(ctx, Number(detail[1]));
    }
    if (at('GET', '/api/appointments')) return this.lookup(ctx);
    if (at('GET', '/api/availability')) return this.availability(ctx);
    if (at('GET', '/api/health')) return this.health(ctx);
    if (at('GET', '/api/health/detailed')) return sendJson(ctx.res, 200, await this.detailedHealth());
    if (at('POST', '/api/webhooks/calcom')) return this.webhook(ctx);
    if (at('GET', '/metrics')) return this.metrics(ctx);
    if (at('GET', '/docs')) return this.docs(ctx);
    if (at('GET', '/docs/openapi.json')) return this.openapi(ctx);
    if (at('GET', '/dashboard')) return this.dashboard(ctx);
    if (at('GET', '/coverage/coverage-summary.json')) return this.coverage(ctx);
    if (at('GET', '/')) return redirect(ctx.res, '/login');
    throw new HttpError(404, 'Not Found');
  }

  // --- control (tests only) ---

  private async control(ctx: Ctx): Promise<void> {
    const { req, res, url } = ctx;
    ctx.route = url.pathname;
    if (url.pathname === '/__sandbox/ready' && req.method === 'GET')
      return sendJson(res, 200, { ready: true });
    if (url.pathname === '/__sandbox/faults' && req.method === 'GET') {
      return sendJson(res, 200, { faults: this.o.faults.list() });
    }
    if (url.pathname === '/__sandbox/faults' && req.method === 'PUT') {
      const body = parseBody(req, await readBody(req));
      const names = body.faults;
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
        throw new HttpError(400, 'expected {"faults":["name",...]}');
      }
      const unknown = (names as string[]).filter((n) => !isFaultName(n));
      if (unknown.length) throw new HttpError(400, `unknown fault(s): ${unknown.join(', ')}`);
      await this.o.setFaults(names as FaultName[]);
      return sendJson(res, 200, { faults: this.o.faults.list() });
    }
    throw new HttpError(404, 'Not Found');
  }

  /** The log_errors fault: an exception entry like a broken replica connection would log. */
  logSpuriousError(path: string): void {
    const err = new Error(
      'SQLSTATE[08006] [7] could not connect to server: Connection refused (Connection: pgsql_replica)',
    );
    err.name = 'Illuminate\\Database\\QueryException';
    err.stack = [
      `${err.name}: ${err.message}`,
      '    at /var/www/html/vendor/laravel/framework/src/Illuminate/Database/Connection.php:829',
      '    at Illuminate\\Database\\Connection->runQueryCallback() /var/www/html/vendor/laravel/framework/src/Illuminate/Database/Connection.php:783',
      '    at App\\Http\\Middleware\\ReplicaHealth->handle() /var/www/html/app/Http/Middleware/ReplicaHealth.php:31',
    ].join('\n');
    this.o.log.error(err.message, err, { url: path });
  }

  // --- pages ---

  private async htmlPage(ctx: Ctx, status: number, html: string, cookie?: string): Promise<void> {
    if (this.o.faults.has('slow_pages')) await sleep(SLOW_PAGE_MS);
    sendHtml(ctx.res, status, html, cookie ? { 'set-cookie': cookie } : {});
  }

  private async loginForm(ctx: Ctx): Promise<void> {
    const { session, cookie } = this.sessions.ensure(ctx.req);
    await this.htmlPage(
      ctx,
      200,
      loginPage({
        csrf: session.csrf,
        blank: this.o.faults.has('login_blank'),
        consoleError: this.o.faults.has('console_error'),
      }),
      cookie,
    );
  }

  private async login(ctx: Ctx): Promise<void> {
    const { req, res } = ctx;
    const body = parseBody(req, await readBody(req));
    const current = this.sessions.find(req);
    if (!csrfValid(current, req, body)) return this.csrfMismatch(ctx);
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const r = await this.o.pool.query<{ id: string; name: string; password: string }>(
      'SELECT id, name, password FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    const user = r.rows[0];
    const ok = user ? await verifyPassword(password, user.password) : false;
    if (!user || !ok) {
      const message = 'These credentials do not match our records.';
      if (wantsJson(req)) return sendJson(res, 422, { message, errors: { email: [message] } });
      const { session, cookie } = this.sessions.ensure(req);
      return this.htmlPage(
        ctx,
        422,
        loginPage({
          csrf: session.csrf,
          email,
          error: message,
          blank: this.o.faults.has('login_blank'),
          consoleError: this.o.faults.has('console_error'),
        }),
        cookie,
      );
    }
    const { session, cookie } = this.sessions.regenerate(current, Number(user.id), user.name);
    this.o.log.info('User logged in', { user_id: Number(user.id) });
    if (wantsJson(req))
      return sendJson(res, 200, { ok: true, csrf_token: session.csrf }, { 'set-cookie': cookie });
    redirect(res, '/appointments/create', { 'set-cookie': cookie });
  }

  private csrfMismatch(ctx: Ctx): void {
    if (wantsJson(ctx.req)) return sendJson(ctx.res, 419, { message: 'CSRF token mismatch.' });
    sendHtml(ctx.res, 419, '<!doctype html><title>Page Expired</title><h1>419 | Page Expired</h1>');
  }

  /** The authenticated session, or an answer sent (302 to /login, or 401 for JSON). */
  private requireUser(ctx: Ctx): Session | undefined {
    const s = this.sessions.find(ctx.req);
    if (s?.userId !== undefined) return s;
    if (wantsJson(ctx.req) || ctx.url.pathname.startsWith('/api/')) {
      sendJson(ctx.res, 401, { message: 'Unauthenticated.' });
    } else {
      redirect(ctx.res, '/login');
    }
    return undefined;
  }

  private async form(ctx: Ctx): Promise<void> {
    const session = this.requireUser(ctx);
    if (!session) return;
    if (this.degraded && this.o.faults.has('no_degradation')) {
      throw new Error('Cal.com availability could not be loaded: cURL error 7: Failed to connect');
    }
    await this.htmlPage(ctx, 200, this.renderForm(session));
  }

  private renderForm(
    session: Session,
    values?: Record<string, string>,
    errors?: Record<string, string>,
  ): string {
    return formPage({
      csrf: session.csrf,
      idempotencyKey: values?.idempotency_key || randomUUID(),
      userName: session.userName ?? '',
      degraded: this.degraded,
      errorsBlank: this.o.faults.has('errors_blank'),
      spinnerStuck: this.o.faults.has('spinner_stuck'),
      values,
      serverErrors: errors,
    });
  }

  private async createAppointment(ctx: Ctx): Promise<void> {
    const { req, res } = ctx;
    const session = this.requireUser(ctx);
    if (!session) return;
    const body = parseBody(req, await readBody(req));
    if (!csrfValid(session, req, body)) return this.csrfMismatch(ctx);
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const input = {
      patient_name: str('patient_name'),
      patient_email: str('patient_email'),
      starts_at: str('starts_at'),
      notes: str('notes'),
      idempotency_key: str('idempotency_key') || randomUUID(),
    };
    const errors: Record<string, string> = {};
    if (!input.patient_name) errors.patient_name = 'The patient name field is required.';
    else if (input.patient_name.length > 200)
      errors.patient_name = 'The patient name may not exceed 200 characters.';
    if (!EMAIL_RE.test(input.patient_email))
      errors.patient_email = 'The patient email must be a valid email address.';
    const start = parseStart(input.starts_at);
    if (!start || start.getTime() <= Date.now())
      errors.starts_at = 'The start time must be a date in the future.';
    if (input.notes.length > 2000) errors.notes = 'The notes may not exceed 2000 characters.';
    if (input.idempotency_key.length > 200) errors.idempotency_key = 'The idempotency key is too long.';
    if (Object.keys(errors).length || !start) {
      if (wantsJson(req)) {
        return sendJson(res, 422, {
          message: Object.values(errors)[0],
          errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])),
        });
      }
      return this.htmlPage(ctx, 422, this.renderForm(session, input, errors));
    }
    const end = new Date(start.getTime() + 30 * 60_000);
    const inserted = await this.o.pool.query<AppointmentRow>(
      `INSERT INTO appointments (patient_name, client_email, starts_at, ends_at, status, idempotency_key, notes)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [input.patient_name, input.patient_email, start, end, input.idempotency_key, input.notes || null],
    );
    let row = inserted.rows[0];
    if (!row) {
      const existing = await this.o.pool.query<AppointmentRow>(
        'SELECT * FROM appointments WHERE idempotency_key = $1',
        [input.idempotency_key],
      );
      row = existing.rows[0];
      if (!row) throw new Error('Idempotent appointment vanished');
      return this.answerAppointment(ctx, row, 200);
    }
    row = await this.book(row, input.idempotency_key);
    this.o.metrics.bookingCreated();
    this.o.log.info('Appointment created', {
      appointment_id: Number(row.id),
      status: row.status,
      calcom_booking_uid: row.calcom_booking_uid,
    });
    const date = start.toISOString().slice(0, 10);
    if (!this.o.faults.has('cache_stale')) {
      await this.o.redis.del(this.o.keys.availability(date));
      this.o.log.info(`Cache invalidated: availability:${date}`, { key: this.o.keys.availability(date) });
    }
    await this.o.redis.rpush(
      this.o.keys.queue,
      JSON.stringify(
        makeJob('App\\Jobs\\RecordEvent', {
          name: 'appointment.created',
          payload: { appointment_id: Number(row.id) },
        }),
      ),
    );
    return this.answerAppointment(ctx, row, 201);
  }

  /** Books on Cal.com through the breaker; on any failure the appointment waits as pending_sync. */
  private async book(row: AppointmentRow, idempotencyKey: string): Promise<AppointmentRow> {
    try {
      const booking = await this.o.breaker.fire(() =>
        this.o.calcom.createBooking({
          start: row.starts_at.toISOString(),
          eventTypeId: this.o.eventTypeId,
          attendee: {
            name: row.patient_name,
            email: row.client_email,
            timeZone: 'Europe/London',
            language: 'en',
          },
          metadata: { idempotencyKey, appointmentId: String(row.id) },
        }),
      );
      this.calcomUp = true;
      const updated = await this.o.pool.query<AppointmentRow>(
        `UPDATE appointments SET status = 'confirmed', calcom_booking_uid = $2, updated_at = now()
         WHERE id = $1 RETURNING *`,
        [row.id, booking.uid],
      );
      return updated.rows[0] ?? row;
    } catch (err) {
      if (!(err instanceof BreakerOpenError)) this.calcomUp = false;
      this.o.log.warning('Cal.com booking deferred: appointment saved as pending_sync', {
        appointment_id: Number(row.id),
        reason: err instanceof Error ? err.message : String(err),
      });
      const updated = await this.o.pool.query<AppointmentRow>(
        `UPDATE appointments SET status = 'pending_sync', updated_at = now() WHERE id = $1 RETURNING *`,
        [row.id],
      );
      return updated.rows[0] ?? row;
    }
  }

  private answerAppointment(ctx: Ctx, row: AppointmentRow, status: 200 | 201): void {
    if (!wantsJson(ctx.req)) return redirect(ctx.res, `/appointments/${row.id}`);
    sendJson(ctx.res, status, {
      id: Number(row.id),
      idempotency_key: row.idempotency_key,
      calcom_booking_uid: row.calcom_booking_uid,
      status: row.status,
      starts_at: row.starts_at.toISOString(),
    });
  }

  private async detail(ctx: Ctx, id: number): Promise<void> {
    const session = this.requireUser(ctx);
    if (!session) return;
    const r = await this.o.pool.query<AppointmentRow>('SELECT * FROM appointments WHERE id = $1', [id]);
    const row = r.rows[0];
    if (!row) throw new HttpError(404, 'Appointment not found');
    if (wantsJson(ctx.req)) return sendJson(ctx.res, 200, view(row));
    await this.htmlPage(ctx, 200, detailPage(session.csrf, view(row)));
  }

  // --- API ---

  private async lookup(ctx: Ctx): Promise<void> {
    if (!this.requireUser(ctx)) return;
    const date = ctx.url.searchParams.get('date') ?? '';
    if (!DATE_RE.test(date)) throw new HttpError(422, 'The date must be YYYY-MM-DD.');
    const slow = this.o.faults.has('slow_queries');
    const t0 = performance.now();
    // slow_queries: a regression made the lookup scan with a pause; Server-Timing tells.
    const r = await this.o.pool.query<AppointmentRow>(
      `${slow ? `WITH pause AS (SELECT pg_sleep(${SLOW_QUERY_S})) ` : ''}
       SELECT a.* FROM appointments a ${slow ? 'CROSS JOIN pause' : ''}
       WHERE a.starts_at >= $1::date AND a.starts_at < $1::date + 1
       ORDER BY a.starts_at, a.id`,
      [date],
    );
    const ms = performance.now() - t0;
    sendJson(ctx.res, 200, r.rows.map(view), { 'server-timing': `db;dur=${ms.toFixed(1)}` });
  }

  private async availability(ctx: Ctx): Promise<void> {
    const date = ctx.url.searchParams.get('date') ?? '';
    if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      throw new HttpError(422, 'The date must be YYYY-MM-DD.');
    }
    const key = this.o.keys.availability(date);
    const cached = await this.o.redis.get(key);
    if (cached !== null) return sendJson(ctx.res, 200, JSON.parse(cached), { 'x-cache': 'HIT' });
    const taken = await this.o.pool.query<{ starts_at: Date }>(
      `SELECT starts_at FROM appointments
       WHERE starts_at >= $1::date AND starts_at < $1::date + 1 AND status NOT IN ('cancelled', 'rejected')`,
      [date],
    );
    const busy = new Set(taken.rows.map((r) => r.starts_at.getTime()));
    const slots: string[] = [];
    for (let minutes = 9 * 60; minutes < 17 * 60; minutes += 30) {
      const t = Date.parse(`${date}T00:00:00Z`) + minutes * 60_000;
      if (!busy.has(t)) slots.push(new Date(t).toISOString());
    }
    const body = { date, slots };
    await this.o.redis.set(key, JSON.stringify(body), 'EX', AVAILABILITY_TTL_S);
    sendJson(ctx.res, 200, body, { 'x-cache': 'MISS' });
  }

  private health(ctx: Ctx): void {
    if (this.o.faults.has('health_down')) return sendJson(ctx.res, 503, { status: 'error' });
    const at = this.o.faults.has('health_stale') ? Date.now() - STALE_MS : Date.now();
    sendJson(ctx.res, 200, { status: 'ok', timestamp: new Date(at).toISOString() });
  }

  async detailedHealth() {
    const timed = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      try {
        await fn();
        return { status: 'ok' as const, latency_ms: Math.round(performance.now() - t0) };
      } catch {
        return { status: 'down' as const, latency_ms: Math.round(performance.now() - t0) };
      }
    };
    const [database, cache] = await Promise.all([
      timed(() => this.o.pool.query('SELECT 1')),
      timed(() => this.o.redis.ping()),
    ]);
    if (this.o.breaker.state !== 'open') await this.probeCalcom();
    const calcom = {
      status: this.calcomUp ? ('ok' as const) : ('down' as const),
      latency_ms: this.calcomLatencyMs,
    };
    const [depth, failed, beat] = await Promise.all([
      this.o.redis.llen(this.o.keys.queue).catch(() => -1),
      this.o.pool
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM failed_jobs WHERE failed_at > now() - interval '1 hour'`,
        )
        .then((r) => r.rows[0]?.n ?? 0)
        .catch(() => -1),
      this.o.redis.get(this.o.keys.heartbeat).catch(() => null),
    ]);
    const beatMs = beat ? Date.parse(beat) : Number.NaN;
    const age = Number.isNaN(beatMs) ? null : Math.max(0, Math.round((Date.now() - beatMs) / 1000));
    const worker = {
      status: age !== null && age <= 30 ? ('ok' as const) : ('down' as const),
      last_heartbeat: beat,
      age_seconds: age,
    };
    const queue = {
      status: depth >= 0 && depth <= 100 ? ('ok' as const) : ('down' as const),
      depth,
      failed_last_hour: failed,
    };
    const breaker = { state: this.o.breaker.state, failures: this.o.breaker.consecutiveFailures };
    const allOk =
      [database, cache, calcom, queue, worker].every((c) => c.status === 'ok') && breaker.state === 'closed';
    const stale = this.o.faults.has('health_stale');
    return {
      status: allOk ? 'ok' : 'degraded',
      timestamp: new Date(stale ? Date.now() - STALE_MS : Date.now()).toISOString(),
      checks: {
        database,
        cache,
        calcom,
        ...(this.o.faults.has('breaker_hidden') ? {} : { circuit_breaker: breaker }),
        queue,
        worker,
      },
    };
  }

  private async webhook(ctx: Ctx): Promise<void> {
    const { req, res } = ctx;
    const raw = await readBody(req);
    const given = String(req.headers['x-cal-signature-256'] ?? '');
    const expected = createHmac('sha256', this.o.webhookSecret).update(raw).digest('hex');
    const signed =
      given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (!signed && !this.o.faults.has('webhook_unsigned')) {
      this.o.log.warning('Cal.com webhook rejected: invalid signature', { ip: req.socket.remoteAddress });
      return sendJson(res, 401, { message: 'Invalid signature' });
    }
    let body: { triggerEvent?: unknown; createdAt?: unknown; payload?: { uid?: unknown } };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      throw new HttpError(400, 'Malformed webhook body');
    }
    if (
      typeof body.triggerEvent !== 'string' ||
      typeof body.createdAt !== 'string' ||
      typeof body.payload !== 'object'
    ) {
      throw new HttpError(400, 'Webhook body needs triggerEvent, createdAt and payload');
    }
    const uid = typeof body.payload?.uid === 'string' ? body.payload.uid : null;
    const basis = `${body.triggerEvent}|${uid ?? ''}|${body.createdAt}`;
    // webhook_duplicates: a regression salted the key, so every delivery looks new.
    const salt = this.o.faults.has('webhook_duplicates') ? `|${randomUUID()}` : '';
    const dedupKey = createHash('sha256')
      .update(basis + salt)
      .digest('hex');
    const r = await this.o.pool.query(
      `INSERT INTO webhook_events (dedup_key, trigger_event, booking_uid, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
      [dedupKey, body.triggerEvent, uid, raw.toString('utf8')],
    );
    const duplicate = !r.rowCount;
    if (!duplicate && body.triggerEvent === 'BOOKING_CANCELLED' && uid) {
      await this.o.pool.query(
        `UPDATE appointments SET status = 'cancelled', updated_at = now() WHERE calcom_booking_uid = $1`,
        [uid],
      );
    }
    this.o.log.info(`Cal.com webhook received: ${body.triggerEvent}`, { booking_uid: uid, duplicate });
    sendJson(res, 200, { received: true, duplicate });
  }

  private async metrics(ctx: Ctx): Promise<void> {
    if (this.o.faults.has('metrics_down')) throw new HttpError(404, 'Not Found');
    const text = await this.o.metrics.registry.metrics();
    ctx.res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType });
    ctx.res.end(text);
  }

  private docsHost(ctx: Ctx): string {
    return `http://${ctx.req.headers.host ?? '127.0.0.1'}`;
  }

  private async docs(ctx: Ctx): Promise<void> {
    if (this.o.faults.has('docs_missing')) throw new HttpError(404, 'Not Found');
    const { session, cookie } = this.sessions.ensure(ctx.req);
    const paths = Object.keys(openApiDocument(this.docsHost(ctx)).paths);
    await this.htmlPage(ctx, 200, docsPage(session.csrf, paths), cookie);
  }

  private openapi(ctx: Ctx): void {
    if (this.o.faults.has('docs_missing')) throw new HttpError(404, 'Not Found');
    sendJson(ctx.res, 200, openApiDocument(this.docsHost(ctx)));
  }

  private async dashboard(ctx: Ctx): Promise<void> {
    const { session, cookie } = this.sessions.ensure(ctx.req);
    const h = await this.detailedHealth();
    await this.htmlPage(
      ctx,
      200,
      dashboardPage(session.csrf, { status: h.status, checks: h.checks }),
      cookie,
    );
  }

  private coverage(ctx: Ctx): void {
    const pct = this.o.faults.has('low_coverage') ? 72 : 93.4;
    const metric = (total: number) => {
      const covered = Math.round((total * pct) / 100);
      return { total, covered, skipped: 0, pct };
    };
    sendJson(ctx.res, 200, {
      total: {
        lines: metric(5120),
        statements: metric(5480),
        functions: metric(910),
        branches: metric(1640),
      },
    });
  }
}
