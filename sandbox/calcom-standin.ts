// The Cal.com API v2 stand-in (CALCOM.md): bookings endpoints with Cal.com's envelopes, kept in
// the `calcom` schema, and signed webhooks to the app which, unlike the real Cal.com, it awaits
// before answering so that tests are deterministic.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type pg from 'pg';
import type { FaultSet } from './faults.ts';
import { HttpError, parseBody, readBody, sendJson } from './http-io.ts';
import { EVENT_TYPE, HOST } from './seed.ts';

export const CALCOM_API_VERSION = '2024-08-13';

interface BookingRow {
  id: string;
  uid: string;
  title: string;
  description: string;
  status: 'accepted' | 'cancelled' | 'rejected' | 'pending';
  cancellation_reason: string | null;
  start_time: Date;
  end_time: Date;
  event_type_id: number;
  attendee_name: string;
  attendee_email: string;
  attendee_time_zone: string;
  attendee_language: string;
  guests: string[];
  location: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

const LANGUAGES = new Set(['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pt-BR', 'sv', 'da', 'no', 'fi', 'pl']);

export interface StandinOptions {
  pool: pg.Pool;
  faults: FaultSet;
  apiKey: string;
  webhookSecret: string;
  /** Where webhooks go (the app's /api/webhooks/calcom); known once the app listens. */
  webhookUrl: () => string;
}

function bookingOutput(b: BookingRow) {
  return {
    id: Number(b.id),
    uid: b.uid,
    title: b.title,
    description: b.description,
    hosts: [{ id: HOST.id, name: HOST.name, timeZone: HOST.timeZone }],
    status: b.status,
    ...(b.cancellation_reason ? { cancellationReason: b.cancellation_reason } : {}),
    start: b.start_time.toISOString(),
    end: b.end_time.toISOString(),
    duration: Math.round((b.end_time.getTime() - b.start_time.getTime()) / 60_000),
    eventTypeId: b.event_type_id,
    eventType: { id: EVENT_TYPE.id, slug: EVENT_TYPE.slug },
    location: b.location ?? '',
    attendees: [
      {
        name: b.attendee_name,
        email: b.attendee_email,
        timeZone: b.attendee_time_zone,
        language: b.attendee_language,
        absent: false,
      },
    ],
    guests: b.guests,
    absentHost: false,
    metadata: b.metadata,
    createdAt: b.created_at.toISOString(),
    updatedAt: b.updated_at.toISOString(),
  };
}

function errorEnvelope(
  res: ServerResponse,
  path: string,
  status: number,
  code: string,
  message: string,
): void {
  sendJson(res, status, {
    status: 'error',
    timestamp: new Date().toISOString(),
    path,
    error: { code, message },
  });
}

const ERROR_CODES: Record<number, string> = {
  400: 'BadRequestException',
  401: 'UnauthorizedException',
  404: 'NotFoundException',
  413: 'PayloadTooLargeException',
  503: 'ServiceUnavailableException',
};

function uid(): string {
  return randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

function isoOrNull(value: unknown): Date | null {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    return null;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export class CalcomStandin {
  readonly server: Server;

  constructor(private readonly o: StandinOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (err instanceof HttpError) {
          errorEnvelope(res, path, err.status, ERROR_CODES[err.status] ?? 'HttpException', err.message);
        } else if (!res.headersSent) {
          errorEnvelope(res, path, 500, 'InternalServerErrorException', 'Internal server error');
        }
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://calcom.invalid');
    const path = url.pathname;
    if (this.o.faults.has('calcom_down')) {
      throw new HttpError(503, 'Service temporarily unavailable');
    }
    const auth = String(req.headers.authorization ?? '');
    if (auth !== `Bearer ${this.o.apiKey}`) {
      throw new HttpError(401, auth ? 'Invalid API key' : 'No API key or access token provided');
    }
    const m = /^\/v2\/bookings(?:\/([^/]+))?(\/cancel)?\/?$/.exec(path);
    if (!m) throw new HttpError(404, `Cannot ${req.method} ${path}`);
    if (req.headers['cal-api-version'] !== CALCOM_API_VERSION) {
      throw new HttpError(400, `cal-api-version header must be ${CALCOM_API_VERSION}`);
    }
    const [, bookingUid, cancel] = m;
    if (req.method === 'GET' && !bookingUid) return this.list(url, res);
    if (req.method === 'GET' && bookingUid && !cancel) return this.one(decodeURIComponent(bookingUid), res);
    if (req.method === 'POST' && !bookingUid) return this.create(req, res);
    if (req.method === 'POST' && bookingUid && cancel)
      return this.cancel(decodeURIComponent(bookingUid), req, res);
    throw new HttpError(404, `Cannot ${req.method} ${path}`);
  }

  private async list(url: URL, res: ServerResponse): Promise<void> {
    const q = url.searchParams;
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    const statuses = (q.get('status') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const known = ['upcoming', 'recurring', 'past', 'cancelled', 'unconfirmed'];
    const bad = statuses.find((s) => !known.includes(s));
    if (bad) throw new HttpError(400, `status must be one of ${known.join(', ')}`);
    if (statuses.length) {
      const parts: string[] = [];
      for (const s of statuses) {
        if (s === 'upcoming') parts.push(`(end_time >= now() AND status IN ('accepted','pending'))`);
        if (s === 'past') parts.push(`(end_time < now() AND status IN ('accepted','pending'))`);
        if (s === 'cancelled') parts.push(`(status IN ('cancelled','rejected'))`);
        if (s === 'unconfirmed') parts.push(`(end_time >= now() AND status = 'pending')`);
        if (s === 'recurring') parts.push('false');
      }
      where.push(`(${parts.join(' OR ')})`);
    }
    const email = q.get('attendeeEmail');
    if (email) where.push(`lower(attendee_email) = lower(${arg(email)})`);
    const name = q.get('attendeeName');
    if (name) where.push(`attendee_name ILIKE ${arg(`%${name}%`)}`);
    const types = [q.get('eventTypeId'), ...(q.get('eventTypeIds') ?? '').split(',')].filter(
      (v): v is string => !!v && v.trim() !== '',
    );
    if (types.length) {
      const ids = types.map(Number);
      if (ids.some((n) => !Number.isInteger(n))) throw new HttpError(400, 'eventTypeId must be an integer');
      where.push(`event_type_id = ANY(${arg(ids)}::int[])`);
    }
    for (const [param, sql] of [
      ['afterStart', 'start_time >='],
      ['beforeEnd', 'end_time <='],
    ] as const) {
      const v = q.get(param);
      if (v === null) continue;
      const d = isoOrNull(v);
      if (!d) throw new HttpError(400, `${param} must be a valid ISO 8601 date`);
      where.push(`${sql} ${arg(d)}`);
    }
    const order: string[] = [];
    for (const [param, col] of [
      ['sortStart', 'start_time'],
      ['sortEnd', 'end_time'],
      ['sortCreated', 'created_at'],
    ] as const) {
      const v = q.get(param);
      if (v === null) continue;
      if (v !== 'asc' && v !== 'desc')
        throw new HttpError(400, `${param} must be one of the following values: asc, desc`);
      order.push(`${col} ${v}`);
    }
    order.push('start_time asc', 'id asc');
    const take = q.get('take') === null ? 100 : Number(q.get('take'));
    if (!Number.isInteger(take) || take < 1 || take > 100)
      throw new HttpError(400, 'take must not be greater than 100');
    const skip = q.get('skip') === null ? 0 : Number(q.get('skip'));
    if (!Number.isInteger(skip) || skip < 0) throw new HttpError(400, 'skip must not be less than 0');
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(
      (await this.o.pool.query<{ n: string }>(`SELECT count(*) AS n FROM calcom.bookings ${filter}`, args))
        .rows[0]?.n ?? 0,
    );
    const rows = (
      await this.o.pool.query<BookingRow>(
        `SELECT * FROM calcom.bookings ${filter} ORDER BY ${order.join(', ')} LIMIT ${take} OFFSET ${skip}`,
        args,
      )
    ).rows;
    const totalPages = Math.ceil(total / take);
    const currentPage = Math.floor(skip / take) + 1;
    sendJson(res, 200, {
      status: 'success',
      data: rows.map(bookingOutput),
      pagination: {
        totalItems: total,
        remainingItems: Math.max(0, total - skip - rows.length),
        returnedItems: rows.length,
        itemsPerPage: take,
        currentPage,
        totalPages,
        hasNextPage: skip + rows.length < total,
        hasPreviousPage: skip > 0,
      },
    });
  }

  private async find(bookingUid: string): Promise<BookingRow> {
    const r = await this.o.pool.query<BookingRow>('SELECT * FROM calcom.bookings WHERE uid = $1', [
      bookingUid,
    ]);
    const row = r.rows[0];
    if (!row) throw new HttpError(404, `Booking with uid=${bookingUid} was not found in the database`);
    return row;
  }

  private async one(bookingUid: string, res: ServerResponse): Promise<void> {
    sendJson(res, 200, { status: 'success', data: bookingOutput(await this.find(bookingUid)) });
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(req, await readBody(req));
    const start = isoOrNull(body.start);
    if (!start) throw new HttpError(400, 'start must be a valid ISO 8601 date string in UTC');
    if (body.eventTypeId !== EVENT_TYPE.id) {
      throw new HttpError(404, `Event type with id=${String(body.eventTypeId)} was not found`);
    }
    const a = body.attendee as Record<string, unknown> | undefined;
    if (!a || typeof a.name !== 'string' || !a.name.trim())
      throw new HttpError(400, 'attendee.name should not be empty');
    if (typeof a.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a.email)) {
      throw new HttpError(400, 'attendee.email must be an email');
    }
    if (typeof a.timeZone !== 'string' || !a.timeZone)
      throw new HttpError(400, 'attendee.timeZone must be a string');
    const language = typeof a.language === 'string' ? a.language : 'en';
    if (!LANGUAGES.has(language)) throw new HttpError(400, 'attendee.language must be a supported locale');
    const metadata = (body.metadata ?? {}) as Record<string, unknown>;
    const entries = Object.entries(metadata);
    if (
      typeof metadata !== 'object' ||
      entries.length > 50 ||
      entries.some(([k, v]) => k.length > 40 || typeof v !== 'string' || v.length > 500)
    ) {
      throw new HttpError(
        400,
        'metadata: at most 50 keys, each up to 40 characters, string values up to 500 characters',
      );
    }
    const guests = Array.isArray(body.guests)
      ? body.guests.filter((g): g is string => typeof g === 'string')
      : [];
    const length = body.lengthInMinutes ?? EVENT_TYPE.lengthInMinutes;
    if (typeof length !== 'number' || !Number.isInteger(length) || length < 1 || length > 720) {
      throw new HttpError(400, 'lengthInMinutes must be a whole number of minutes (1-720)');
    }
    const end = new Date(start.getTime() + length * 60_000);
    const r = await this.o.pool.query<BookingRow>(
      `INSERT INTO calcom.bookings (uid, title, status, start_time, end_time, event_type_id, attendee_name,
         attendee_email, attendee_time_zone, attendee_language, guests, location, metadata)
       VALUES ($1, $2, 'accepted', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        uid(),
        `Consultation between ${HOST.name} and ${a.name}`,
        start,
        end,
        EVENT_TYPE.id,
        a.name,
        a.email,
        a.timeZone,
        language,
        JSON.stringify(guests),
        typeof body.location === 'string' ? body.location : 'Clinic, Room 2',
        JSON.stringify(metadata),
      ],
    );
    const row = r.rows[0]!;
    await this.deliver('BOOKING_CREATED', row);
    sendJson(res, 201, { status: 'success', data: bookingOutput(row) });
  }

  private async cancel(bookingUid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(req, await readBody(req));
    const existing = await this.find(bookingUid);
    if (existing.status === 'cancelled') throw new HttpError(400, 'This booking has already been cancelled.');
    const reason = typeof body.cancellationReason === 'string' ? body.cancellationReason : null;
    const r = await this.o.pool.query<BookingRow>(
      `UPDATE calcom.bookings SET status = 'cancelled', cancellation_reason = $2, updated_at = now()
       WHERE uid = $1 RETURNING *`,
      [bookingUid, reason],
    );
    const row = r.rows[0]!;
    await this.deliver('BOOKING_CANCELLED', row);
    sendJson(res, 200, { status: 'success', data: bookingOutput(row) });
  }

  /** Sends a signed webhook as Cal.com does and waits for the answer; a failed delivery is dropped. */
  private async deliver(trigger: 'BOOKING_CREATED' | 'BOOKING_CANCELLED', b: BookingRow): Promise<void> {
    const body = JSON.stringify(webhookBody(trigger, b));
    const signature = createHmac('sha256', this.o.webhookSecret).update(body).digest('hex');
    try {
      const r = await fetch(this.o.webhookUrl(), {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'x-cal-signature-256': signature,
          'x-cal-webhook-version': '2021-10-20',
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
      await r.arrayBuffer();
    } catch {
      // Cal.com does not retry either; the consistency check is what notices.
    }
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function webhookBody(trigger: string, b: BookingRow) {
  return {
    triggerEvent: trigger,
    createdAt: new Date().toISOString(),
    payload: {
      type: EVENT_TYPE.slug,
      title: b.title,
      description: b.description,
      startTime: b.start_time.toISOString(),
      endTime: b.end_time.toISOString(),
      organizer: {
        id: HOST.id,
        name: HOST.name,
        email: 'frontdesk@clinic.example',
        timeZone: HOST.timeZone,
        language: { locale: 'en' },
      },
      attendees: [
        {
          email: b.attendee_email,
          name: b.attendee_name,
          timeZone: b.attendee_time_zone,
          language: { locale: b.attendee_language },
        },
      ],
      location: b.location ?? '',
      uid: b.uid,
      bookingId: Number(b.id),
      eventTypeId: b.event_type_id,
      length: Math.round((b.end_time.getTime() - b.start_time.getTime()) / 60_000),
      metadata: b.metadata,
      status: b.status.toUpperCase(),
      ...(trigger === 'BOOKING_CANCELLED' ? { cancellationReason: b.cancellation_reason ?? '' } : {}),
    },
  };
}

/** calcom_drift: extra bookings in the window with no local appointment (~10% of the window). */
export async function addDrift(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calcom.bookings WHERE NOT drift
     AND start_time BETWEEN now() - interval '7 days' AND now() + interval '7 days'`,
  );
  const count = Math.max(1, Math.ceil((r.rows[0]?.n ?? 0) / 9));
  for (let i = 0; i < count; i++) {
    const start = new Date(Date.now() + ((i % 6) - 3) * 86_400_000 + (i + 1) * 600_000);
    await pool.query(
      `INSERT INTO calcom.bookings (uid, title, status, start_time, end_time, event_type_id, attendee_name,
         attendee_email, attendee_time_zone, location, drift)
       VALUES ($1, $2, 'accepted', $3, $4, $5, $6, $7, 'Europe/London', 'Clinic, Room 2', true)`,
      [
        uid(),
        `Consultation between ${HOST.name} and Walk-in ${i + 1}`,
        start,
        new Date(start.getTime() + EVENT_TYPE.lengthInMinutes * 60_000),
        EVENT_TYPE.id,
        `Walk-in ${i + 1}`,
        `walkin${i + 1}@clinic.example`,
      ],
    );
  }
  return count;
}

export async function removeDrift(pool: pg.Pool): Promise<void> {
  await pool.query('DELETE FROM calcom.bookings WHERE drift');
}
