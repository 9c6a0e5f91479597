// Stopping a fallback service by its pid: a polite signal, then SIGKILL if it lingers.
import { alive } from './probe.ts';

/** Sends `signal`, waits up to `timeoutMs` for the process to go, then kills it. */
export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
