// Sessions and CSRF as Laravel does them: a session cookie, a per-session token embedded in
// every page (`_token` field, `<meta name="csrf-token">`) and required on state-changing
// requests (form field `_token` or header X-CSRF-TOKEN); the session id is regenerated on login.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'laravel_session';
const MAX_SESSIONS = 10_000;

export interface Session {
  id: string;
  csrf: string;
  userId?: number;
  userName?: string;
}

function token(): string {
  return randomBytes(20).toString('hex');
}

export function readCookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export class SessionStore {
  private sessions = new Map<string, Session>();

  find(req: IncomingMessage): Session | undefined {
    const id = readCookies(req)[SESSION_COOKIE];
    return id ? this.sessions.get(id) : undefined;
  }

  /** The request's session, or a new one; `cookie` is set when the client must store it. */
  ensure(req: IncomingMessage): { session: Session; cookie?: string } {
    const found = this.find(req);
    if (found) return { session: found };
    const session = this.create();
    return { session, cookie: this.cookie(session) };
  }

  /** A fresh id for an authenticated session (session fixation), keeping nothing else. */
  regenerate(
    old: Session | undefined,
    userId: number,
    userName: string,
  ): { session: Session; cookie: string } {
    if (old) this.sessions.delete(old.id);
    const session = this.create();
    session.userId = userId;
    session.userName = userName;
    return { session, cookie: this.cookie(session) };
  }

  cookie(s: Session): string {
    return `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Lax`;
  }

  private create(): Session {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const session: Session = { id: token(), csrf: token() };
    this.sessions.set(session.id, session);
    return session;
  }
}

export function csrfValid(
  session: Session | undefined,
  req: IncomingMessage,
  body: Record<string, unknown>,
): boolean {
  if (!session) return false;
  const given = typeof body._token === 'string' ? body._token : String(req.headers['x-csrf-token'] ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
