// Misbehaving dependencies on loopback for the robustness tests: each one reproduces a failure
// a production deploy really meets (a port nobody listens on, a server that accepts and never
// answers, a Cal.com that answers 401/500/garbage, an app route that answers HTML, a TLS
// certificate nobody trusts). They are real sockets and real protocols, not mocks of our clients.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

export interface FakeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A port where nothing listens: connections are refused at once. A released ephemeral port will
 * not do: another test's server may take it meanwhile, or a client's connection to it may be
 * given that very port as its source and connect to itself (Linux's TCP self-connect), so the
 * client waits for a greeting instead of being refused. A port below the ephemeral range that
 * refuses now stays closed: the tests' servers listen on ephemeral ports only. None of these is
 * on the Fetch standard's list of bad ports, which Chromium refuses to load before connecting.
 */
export async function closedPort(): Promise<number> {
  for (const port of [47, 99, 399, 999]) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('connect', () => socket.destroy());
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
      socket.once('close', () => resolve(false));
    });
    if (refused) return port;
  }
  throw new Error('no closed loopback port below 1024 to point a client at');
}

async function listen(server: net.Server, scheme: string): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // TLS servers report their sockets through secureConnection too; the raw ones are enough.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Accepts TCP connections and never sends a byte: the worst kind of dependency, because only a
 * client-side timeout ends the wait (a Postgres stuck in recovery, a Redis behind a dead proxy).
 */
export async function hangServer(scheme = 'tcp'): Promise<FakeServer> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
  });
  return listen(server, scheme);
}

export interface FakeProxy extends FakeServer {
  /** Each tunnel asked for: its destination and the Proxy-Authorization header, in order. */
  tunnels: { destination: string; auth: string | undefined }[];
}

/**
 * An HTTP forward proxy that opens CONNECT tunnels, as a corporate proxy does. Every destination
 * host is reached at 127.0.0.1, so a `.invalid` name reaches a loopback server through it and
 * nowhere else. `credentials` ("user:password"): a tunnel without them is answered 407.
 * `status`: every tunnel is answered with it instead (403 by policy, 502 upstream down, …).
 */
export async function fakeProxy(o: { credentials?: string; status?: number } = {}): Promise<FakeProxy> {
  const tunnels: FakeProxy['tunnels'] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const destination = req.url ?? '';
    const auth = req.headers['proxy-authorization'];
    tunnels.push({ destination, auth });
    const expected = o.credentials && `Basic ${Buffer.from(o.credentials).toString('base64')}`;
    if (expected && auth !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    if (o.status) {
      client.end(`HTTP/1.1 ${o.status} ${http.STATUS_CODES[o.status] ?? ''}\r\n\r\n`);
      return;
    }
    const port = Number(destination.slice(destination.lastIndexOf(':') + 1));
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  return { ...(await listen(server, 'http')), tunnels };
}

export type HttpHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A plain HTTP server; `handler` sees the whole request body. */
export async function fakeHttp(handler: HttpHandler): Promise<FakeServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 1000;
  return listen(server, 'http');
}

/** The ways a Cal.com API can answer badly (CALCOM.md's envelopes are the good answer). */
export type CalcomMode =
  'unauthorized' | 'server-error' | 'hang' | 'invalid-json' | 'wrong-envelope' | 'html';

/** A Cal.com API v2 that answers every request in one bad way. */
export async function fakeCalcom(mode: CalcomMode): Promise<FakeServer> {
  return fakeHttp((req, res) => {
    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'error',
          timestamp: new Date().toISOString(),
          path: req.url,
          error: { code, message },
        }),
      );
    };
    switch (mode) {
      case 'unauthorized':
        return error(401, 'UNAUTHORIZED', 'Invalid Access Token.');
      case 'server-error':
        return error(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      case 'hang':
        // Headers never come: only the client's timeout ends this.
        return;
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"status":"success","data":[{"uid":"abc", "start": ');
      case 'wrong-envelope':
        // A v1-style answer: valid JSON, but not `{ status: "success", data }`.
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ bookings: [], message: 'ok' }));
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
    }
  });
}

export type Rewrite = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * A reverse proxy in front of `target` that answers the routes in `rewrites` itself (keyed by
 * `METHOD /path` or `/path`, without the query) and forwards everything else untouched, so exactly one route of
 * an otherwise healthy application misbehaves.
 */
export async function rewriteProxy(target: string, rewrites: Record<string, Rewrite>): Promise<FakeServer> {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    const rewrite = rewrites[`${req.method} ${pathname}`] ?? rewrites[pathname];
    if (rewrite) {
      req.resume();
      return rewrite(req, res);
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  return listen(server, 'http');
}

/** Health answering an HTML page with 200 (a proxy's default page, a maintenance page). */
export const htmlPage: Rewrite = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><head><title>Maintenance</title></head><body>Back soon</body></html>');
};

/** A route answering 500 with a Laravel-like error page. */
export const serverError: Rewrite = (_req, res) => {
  res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><html><body><h1>500 | Server Error</h1></body></html>');
};

let certDir: string | undefined;

/**
 * A self-signed certificate for 127.0.0.1 (its subjectAltName: an IP address is matched against
 * that, never the common name), generated once per process with openssl.
 */
function selfSignedCert(): { key: Buffer; cert: Buffer; certFile: string } {
  if (!certDir) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegate-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    certDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return {
    key: readFileSync(path.join(certDir, 'key.pem')),
    cert: readFileSync(path.join(certDir, 'cert.pem')),
    certFile: path.join(certDir, 'cert.pem'),
  };
}

/**
 * HTTPS in front of `target` with a certificate no client trusts: every request fails in the
 * TLS handshake, before any byte of HTTP (an expired or self-signed certificate after a deploy).
 */
export async function untrustedTls(target: string): Promise<FakeServer> {
  return httpsFront(target);
}

/**
 * HTTPS for 127.0.0.1 in front of `target`, with a self-signed certificate: trusted by a client
 * started with `NODE_EXTRA_CA_CERTS=<certFile>`, by no other.
 */
export async function httpsFront(target: string): Promise<FakeServer & { certFile: string }> {
  const upstream = new URL(target);
  const { key, cert, certFile } = selfSignedCert();
  const server = https.createServer({ key, cert }, (req, res) => {
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => res.end());
    req.pipe(out);
  });
  server.on('tlsClientError', () => undefined);
  return { ...(await listen(server, 'https')), certFile };
}

export interface FakeRedis extends FakeServer {
  process: ChildProcess;
}

/** A real redis-server that demands a password nobody gave the suite (AUTH required). */
export async function redisWithPassword(password: string): Promise<FakeRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegate-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    process: child,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
