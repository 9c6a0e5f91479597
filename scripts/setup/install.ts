// Installing what is missing: Debian packages (as root) and Playwright's own Chromium. Every
// command has a timeout, so setup never hangs on a network that does not answer.
import { spawn } from 'node:child_process';

export interface CommandResult {
  ok: boolean;
  /** The last lines of its output, for the failure message. */
  tail: string;
}

/** Runs a command to completion (or kills it at the timeout), keeping the end of its output. */
export function runCommand(
  command: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<CommandResult> {
  const { timeoutMs, env = process.env, cwd } = options;
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      output += `\n(killed after ${Math.round(timeoutMs / 1000)} s)`;
      // The whole group: npx and apt-get start children of their own.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, tail: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const tail = output.trim().split('\n').slice(-5).join('\n');
      resolve({ ok: code === 0, tail });
    });
  });
}

const APT_TIMEOUT_MS = 5 * 60_000;

/** `apt-get install -y <pkgs>`, with one `apt-get update` and a retry if the first try fails. */
export async function aptInstall(pkgs: string | readonly string[]): Promise<CommandResult> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { timeoutMs: APT_TIMEOUT_MS, env };
  const args = ['install', '-y', ...(typeof pkgs === 'string' ? [pkgs] : pkgs)];
  const first = await runCommand('apt-get', args, options);
  if (first.ok) return first;
  const update = await runCommand('apt-get', ['update'], options);
  if (!update.ok) return update;
  return runCommand('apt-get', args, options);
}

/** Playwright's own browser download; fails quickly where downloads are blocked, and that is fine. */
export function playwrightInstallChromium(cwd: string): Promise<CommandResult> {
  return runCommand('npx', ['--no-install', 'playwright', 'install', 'chromium'], {
    timeoutMs: 3 * 60_000,
    cwd,
  });
}
