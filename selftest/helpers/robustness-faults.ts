// The dependency matrix as data (issue 5): every way a dependency breaks after a deploy, the
// settings that swap it in, the checks that may go red because they use it, and the checks that
// must go red with the cause their one-line message has to give. The test files group faults of
// disjoint dependencies into one suite run each (they cannot interfere: each swaps a different
// setting), so 20 cases cost 10 runs.
import { passwordPostgres } from './fake-postgres.ts';
import {
  closedPort,
  fakeCalcom,
  hangServer,
  htmlPage,
  redisWithPassword,
  rewriteProxy,
  serverError,
  untrustedTls,
  type CalcomMode,
} from './fake-servers.ts';
import type { Fault, SandboxLike } from './robustness-cases.ts';

export interface MadeFault {
  fault: Fault;
  /** Secrets this fault put into the settings (they must appear nowhere). */
  secrets: string[];
  close(): Promise<void>;
}

export type FaultFactory = (sbx: SandboxLike) => Promise<MadeFault>;

const nothing = async () => undefined;

/** Checks that read or write Postgres from the suite (directly, or to clean up what they made). */
export const USES_POSTGRES = [
  /Database connectivity/,
  /Schema integrity/,
  /Idempotency/,
  /Appointment creation/,
  /Webhook/,
  /consistency/,
  /Booking success rate/,
  /Events flowing/,
  /services processing/i,
  /Events flowing/,
  /Cache invalidation/,
  /booking ID matches/,
  /Booking flow time/,
];
/** Checks that use Redis from the suite (cache keys, the worker's heartbeat, the queue). */
export const USES_REDIS = [
  /Cache operations/,
  /Cache invalidation/,
  /services processing/i,
  /Events flowing/,
];
/** Checks that call Cal.com from the suite, including those whose clean-up cancels a booking. */
export const USES_CALCOM = [
  /Cal\.com/,
  /consistency/,
  /Booking success rate/,
  /Events flowing/,
  /Appointment creation/,
  /Cache invalidation/,
  /Idempotency key visible/,
  /Booking flow time/,
];
/** Checks that need a signed-in session (login goes through GET LOGIN_PATH for its CSRF token). */
export const SIGNED_IN = [
  /Login page/,
  /console errors/,
  /Appointment form/,
  /Idempotency key visible/,
  /booking ID matches/,
  /Error messages/,
  /Graceful degradation/,
  /Page load/,
  /spinners/,
  /Booking flow time/,
  /Appointment creation/,
  /Cache invalidation/,
  /Query performance/,
  /Booking success rate/,
  /Events flowing/,
  /API endpoints/,
  /API response times/,
  /Dashboards reachable/,
];
/** Checks that never touch the application's HTTP side (stores, Cal.com, the log file). */
const NOT_HTTP =
  /^(Database connectivity|Schema integrity|Idempotency keys|Cache operations|Cal\.com API reachable|Cal\.com ↔ local DB consistency|Log file clean|All services processing)/;
export const ANY_HTTP = [new RegExp(`^(?!${NOT_HTTP.source.slice(1)}).*$`)];

const TIMEOUT = /time(d)? ?out|timeout/i;

function dbUrlAt(sbx: SandboxLike, port: number): string {
  const u = new URL(sbx.databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

// --- Postgres -------------------------------------------------------------------------------

export const postgresRefused: FaultFactory = async (sbx) => ({
  fault: {
    name: 'Postgres refusing connections',
    env: { DATABASE_URL: dbUrlAt(sbx, await closedPort()) },
    dependents: USES_POSTGRES,
    mustFail: [{ title: /Database connectivity/, cause: /ECONNREFUSED|refused/i }],
    // The application's health reports its database up: the checker's path to it is broken.
    verdict: 'INCONCLUSIVE',
  },
  secrets: [],
  close: nothing,
});

export const postgresWrongPassword: FaultFactory = async () => {
  const pg = await passwordPostgres();
  const password = `PgWrong-${Math.random().toString(36).slice(2, 10)}`;
  return {
    fault: {
      name: 'wrong Postgres password',
      env: { DATABASE_URL: pg.wrongPasswordUrl(password) },
      dependents: USES_POSTGRES,
      mustFail: [{ title: /Database connectivity/, cause: /password authentication failed/i }],
      // The application's health reports its database up: the checker's credentials are wrong.
      verdict: 'INCONCLUSIVE',
    },
    secrets: [password],
    close: () => pg.close(),
  };
};

export const postgresHang: FaultFactory = async (sbx) => {
  const hang = await hangServer();
  return {
    fault: {
      name: 'Postgres accepting TCP and never answering',
      env: { DATABASE_URL: dbUrlAt(sbx, hang.port) },
      dependents: USES_POSTGRES,
      mustFail: [{ title: /Database connectivity/, cause: TIMEOUT }],
      // FAIL: its matrix file breaks the detailed health too, so nothing vouches for the database.
      verdict: 'FAIL',
    },
    secrets: [],
    close: () => hang.close(),
  };
};

// --- Redis ----------------------------------------------------------------------------------

export const redisRefused: FaultFactory = async () => ({
  fault: {
    name: 'Redis refusing connections',
    env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0` },
    dependents: USES_REDIS,
    mustFail: [{ title: /Cache operations/, cause: /ECONNREFUSED|refused/i }],
    // The application's health reports its cache up: the checker's path to Redis is broken.
    verdict: 'INCONCLUSIVE',
  },
  secrets: [],
  close: nothing,
});

export const redisHang: FaultFactory = async () => {
  const hang = await hangServer();
  return {
    fault: {
      name: 'Redis accepting TCP and never answering',
      env: { REDIS_URL: `redis://127.0.0.1:${hang.port}/0` },
      dependents: USES_REDIS,
      mustFail: [{ title: /Cache operations/, cause: TIMEOUT }],
      // The application's health reports its cache up: the checker's path to Redis is broken.
      verdict: 'INCONCLUSIVE',
    },
    secrets: [],
    close: () => hang.close(),
  };
};

export const redisWrongPassword: FaultFactory = async () => {
  const redis = await redisWithPassword(`right-${Math.random().toString(36).slice(2, 10)}`);
  const password = `RdWrong-${Math.random().toString(36).slice(2, 10)}`;
  return {
    fault: {
      name: 'wrong Redis password',
      env: { REDIS_URL: `redis://:${password}@127.0.0.1:${redis.port}/0` },
      dependents: USES_REDIS,
      mustFail: [{ title: /Cache operations/, cause: /WRONGPASS|NOAUTH|password/i }],
      // The application's health reports its cache up: the checker's password is wrong.
      verdict: 'INCONCLUSIVE',
    },
    secrets: [password],
    close: () => redis.close(),
  };
};

// --- Cal.com --------------------------------------------------------------------------------

function calcomFault(name: string, url: string, cause: RegExp, close: () => Promise<void>): MadeFault {
  return {
    fault: {
      name,
      env: { CALCOM_API_URL: url },
      dependents: USES_CALCOM,
      mustFail: [{ title: /Cal\.com API reachable/, cause }],
    },
    secrets: [],
    close,
  };
}

function calcomAnswering(mode: CalcomMode, name: string, cause: RegExp): FaultFactory {
  return async () => {
    const f = await fakeCalcom(mode);
    return calcomFault(name, f.url, cause, () => f.close());
  };
}

export const calcom401 = calcomAnswering('unauthorized', 'Cal.com answering 401', /401/);
export const calcom500 = calcomAnswering('server-error', 'Cal.com answering 500', /500/);
export const calcomTimeout = calcomAnswering('hang', 'Cal.com never answering (timeout)', TIMEOUT);
export const calcomInvalidJson = calcomAnswering('invalid-json', 'Cal.com answering invalid JSON', /JSON/i);
export const calcomWrongEnvelope = calcomAnswering(
  'wrong-envelope',
  'Cal.com answering outside the documented envelope',
  /envelope|"?status"?|"?data"?/i,
);
export const calcomHtml = calcomAnswering('html', 'Cal.com answering an HTML page', /JSON|envelope|HTML/i);

export const calcomRefused: FaultFactory = async () =>
  calcomFault(
    'Cal.com refusing connections',
    `http://127.0.0.1:${await closedPort()}`,
    /ECONNREFUSED|refused/i,
    nothing,
  );

export const calcomTls: FaultFactory = async (sbx) => {
  const tls = await untrustedTls(sbx.calcomUrl);
  return calcomFault(
    'Cal.com behind an untrusted TLS certificate',
    tls.url,
    /certificate|self[- ]signed|TLS|SSL/i,
    () => tls.close(),
  );
};

// --- The application (one route rewritten by a proxy; or the whole target down) -------------

export const healthHtml: FaultFactory = async (sbx) => {
  const p = await rewriteProxy(sbx.appUrl, { '/api/health': htmlPage });
  return {
    fault: {
      name: 'health answering HTML instead of JSON',
      env: { TARGET_URL: p.url },
      dependents: [/API health/, /API endpoints/, /API response times/],
      mustFail: [{ title: /API health/, cause: /JSON|HTML/i }],
    },
    secrets: [],
    close: () => p.close(),
  };
};

export const detailedHealthBroken: FaultFactory = async (sbx) => {
  const p = await rewriteProxy(sbx.appUrl, {
    '/api/health/detailed': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","checks":{"database":');
    },
  });
  return {
    fault: {
      name: 'detailed health answering broken JSON',
      env: { TARGET_URL: p.url },
      dependents: [
        /Circuit breaker/,
        /Graceful degradation/,
        /API endpoints/,
        /API response times/,
        /services processing/i,
      ],
      mustFail: [{ title: /Circuit breaker/, cause: /JSON/i }],
    },
    secrets: [],
    close: () => p.close(),
  };
};

export const login500: FaultFactory = async (sbx) => {
  const p = await rewriteProxy(sbx.appUrl, { 'GET /login': serverError });
  return {
    fault: {
      name: 'login page answering 500',
      env: { TARGET_URL: p.url },
      dependents: SIGNED_IN,
      mustFail: [{ title: /Login page renders/, cause: /500/ }],
    },
    secrets: [],
    close: () => p.close(),
  };
};

export const appHang: FaultFactory = async () => {
  const hang = await hangServer('http');
  return {
    fault: {
      name: 'application accepting connections and never answering',
      env: { TARGET_URL: hang.url },
      dependents: ANY_HTTP,
      mustFail: [{ title: /API health/, cause: TIMEOUT }],
    },
    secrets: [],
    close: () => hang.close(),
  };
};

export const appRefused: FaultFactory = async () => ({
  fault: {
    name: 'application refusing connections',
    env: { TARGET_URL: `http://127.0.0.1:${await closedPort()}` },
    dependents: ANY_HTTP,
    mustFail: [{ title: /API health/, cause: /ECONNREFUSED|refused/i }],
  },
  secrets: [],
  close: nothing,
});

// --- Notifications --------------------------------------------------------------------------

/** Slack and the SMTP server accept connections and never answer: the run still ends, same verdict. */
export const notificationsHang: FaultFactory = async () => {
  const slack = await hangServer('http');
  const smtp = await hangServer('smtp');
  return {
    fault: {
      name: 'Slack and SMTP never answering',
      env: {
        SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/hangingtoken0000000000`,
        SMTP_URL: smtp.url,
        NOTIFY_EMAIL_TO: 'release-manager@example.invalid',
        NOTIFY_ON: 'all',
        NOTIFY_TIMEOUT_MS: '2000',
      },
      dependents: [],
      mustFail: [],
    },
    secrets: ['hangingtoken0000000000'],
    close: async () => {
      await slack.close();
      await smtp.close();
    },
  };
};
