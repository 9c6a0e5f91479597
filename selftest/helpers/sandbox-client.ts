// A tiny HTTP client for the sandbox's self-tests: keeps the session cookie and CSRF token the
// way a browser would, so tests exercise the app's real login and CSRF paths.
const TIMEOUT_MS = 15_000;

export const SANDBOX_LOGIN = { email: 'frontdesk@clinic.example', password: 'sandbox-password' } as const;
export const SANDBOX_API_KEY = 'cal_sandbox_0000000000000000';
export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export class AppClient {
  cookie = '';
  csrf = '';

  constructor(readonly baseUrl: string) {}

  async request(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      headers.set('accept', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return res;
  }

  /** GETs a page and remembers its CSRF token. */
  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const m = /name="_token" value="([^"]+)"/.exec(html);
    if (m?.[1]) this.csrf = m[1];
    return { res, html };
  }

  async login(
    email: string = SANDBOX_LOGIN.email,
    password: string = SANDBOX_LOGIN.password,
  ): Promise<Response> {
    await this.page('/login');
    const res = await this.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password, _token: this.csrf }).toString(),
    });
    if (res.status === 302) await this.page('/appointments/create');
    return res;
  }

  /** POST /appointments as JSON with the session's CSRF header. */
  createAppointment(fields: Record<string, string>): Promise<Response> {
    return this.request('/appointments', {
      method: 'POST',
      headers: { 'x-csrf-token': this.csrf },
      json: fields,
    });
  }
}

/** A start time `days` ahead at a fixed minute, unique per call within a test run. */
let bump = 0;
export function futureStart(days = 3): string {
  bump++;
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(8, 0, 0, 0);
  return new Date(d.getTime() + bump * 60_000).toISOString();
}
