// How the built-in sandbox is started: the command, its ready URL and the settings it takes.
// playwright.config.ts starts it as its webServer for a run; `npm run demo` starts it once for
// its eight phase runs (each then reuses it). One definition, so both start the same sandbox.
import { SANDBOX_APP_LOG_PATH, type Env } from './env.ts';

export const SANDBOX_ENTRY = 'sandbox/main.ts';
/** The webServer command: Node with tsx, so the sandbox needs no build step. */
export const SANDBOX_COMMAND = `node --import tsx ${SANDBOX_ENTRY}`;

/** Answers 200 once migrations, seeds and the queue worker are up. */
export function sandboxReadyUrl(env: Env): string {
  return `${env.targetUrl}/__sandbox/ready`;
}

/**
 * The sandbox's settings that carry no secret. Playwright serialises `webServer.env` into its
 * JSON and blob reports, so only these may go there.
 */
export function sandboxPublicEnv(env: Env): Record<string, string> {
  return {
    SANDBOX_PORT: String(env.SANDBOX_PORT),
    SANDBOX_CALCOM_PORT: String(env.SANDBOX_CALCOM_PORT),
    SANDBOX_FAULTS: env.SANDBOX_FAULTS.join(','),
    SANDBOX_REDIS_PREFIX: env.REDIS_PREFIX,
    SANDBOX_CACHE_PREFIX: env.CACHE_PREFIX,
    // APP_LOG_PATH=none (this machine reads no log): the sandbox still writes one, where it always does.
    SANDBOX_LOG_PATH: env.APP_LOG_PATH ?? SANDBOX_APP_LOG_PATH,
    SANDBOX_LOGIN_EMAIL: env.LOGIN_EMAIL ?? '',
  };
}

/** The secret-bearing settings: handed to the sandbox through the environment it inherits. */
export function sandboxSecretEnv(env: Env): Record<string, string> {
  return {
    SANDBOX_DATABASE_URL: env.DATABASE_URL,
    SANDBOX_REDIS_URL: env.REDIS_URL,
    SANDBOX_CALCOM_API_KEY: env.CALCOM_API_KEY ?? '',
    SANDBOX_WEBHOOK_SECRET: env.CALCOM_WEBHOOK_SECRET ?? '',
    SANDBOX_LOGIN_PASSWORD: env.LOGIN_PASSWORD ?? '',
  };
}

/** One probe of the ready URL, bounded at 1 s: true when the sandbox answers 2xx. */
export async function sandboxAnswers(readyUrl: string): Promise<boolean> {
  try {
    const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false; // not listening (yet, or any more)
  }
}

/**
 * Polls the ready URL until the sandbox answers (true), or its process ends (`exited` settles)
 * or `timeoutMs` passes (false).
 */
export async function waitForSandbox(
  readyUrl: string,
  timeoutMs: number,
  exited: Promise<unknown>,
  intervalMs = 100,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = performance.now() + timeoutMs;
  while (!gone && performance.now() < deadline) {
    if (await sandboxAnswers(readyUrl)) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}
