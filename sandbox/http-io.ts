// Reading requests and writing responses on Node's http server, shared by the app and the
// Cal.com stand-in (both are sandbox parts; neither is the suite).
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 1_000_000;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** A JSON or form body as a flat record of strings (objects kept for JSON). */
export function parseBody(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '');
  const text = raw.toString('utf8');
  if (!text) return {};
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // falls through to the error below
    }
    throw new HttpError(400, 'Malformed JSON body');
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

export function redirect(
  res: ServerResponse,
  location: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(302, { location, ...headers });
  res.end();
}

export function wantsJson(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? '').includes('application/json');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
