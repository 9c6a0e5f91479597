// The booking app's Cal.com API v2 client (undici). It speaks the public API only (CALCOM.md),
// so it works unchanged against the real Cal.com.
import { Agent, request } from 'undici';

export const CALCOM_API_VERSION = '2024-08-13';

export interface CalcomBooking {
  id: number;
  uid: string;
  title: string;
  status: 'accepted' | 'cancelled' | 'rejected' | 'pending';
  start: string;
  end: string;
  eventTypeId: number;
  attendees: { name: string; email: string; timeZone: string }[];
  metadata?: Record<string, string>;
}

export interface CreateBookingInput {
  start: string;
  eventTypeId: number;
  attendee: { name: string; email: string; timeZone: string; language?: string };
  metadata?: Record<string, string>;
}

export class CalcomError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CalcomError';
  }
}

export class CalcomClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    timeoutMs = 3000,
  ) {
    this.agent = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  async listBookings(query: Record<string, string | number> = {}): Promise<CalcomBooking[]> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return this.call<CalcomBooking[]>('GET', `/v2/bookings${qs ? `?${qs}` : ''}`);
  }

  getBooking(uid: string): Promise<CalcomBooking> {
    return this.call('GET', `/v2/bookings/${encodeURIComponent(uid)}`);
  }

  createBooking(input: CreateBookingInput): Promise<CalcomBooking> {
    return this.call('POST', '/v2/bookings', input);
  }

  cancelBooking(uid: string, cancellationReason?: string): Promise<CalcomBooking> {
    return this.call('POST', `/v2/bookings/${encodeURIComponent(uid)}/cancel`, { cancellationReason });
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        'cal-api-version': CALCOM_API_VERSION,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    let parsed: { status?: string; data?: unknown; error?: { message?: string } } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // A proxy's HTML error page: reported by status below.
    }
    if (res.statusCode >= 400 || parsed.status !== 'success') {
      throw new CalcomError(
        res.statusCode,
        `Cal.com ${method} ${path.split('?')[0]} failed: ${res.statusCode} ${parsed.error?.message ?? ''}`.trim(),
      );
    }
    return parsed.data as T;
  }
}
