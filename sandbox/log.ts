// Laravel's log format (CALCOM.md): one entry per line start,
// `[YYYY-MM-DD HH:MM:SS] production.LEVEL: message {json context}`; an exception continues over
// several lines (`[stacktrace]`, `#0 ...`), as Monolog's LineFormatter writes it.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL';

function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export class AppLog {
  constructor(
    readonly file: string,
    private readonly channel = 'production',
    /** Values that must never reach the file (API key, webhook secret, passwords). */
    private readonly secrets: readonly string[] = [],
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  info(message: string, context: Record<string, unknown> = {}): void {
    this.write('INFO', message, context);
  }

  warning(message: string, context: Record<string, unknown> = {}): void {
    this.write('WARNING', message, context);
  }

  /** An ERROR entry with the exception and its stack trace over several lines. */
  error(message: string, err: Error, context: Record<string, unknown> = {}): void {
    const frames = (err.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l, i) => `#${i} ${l.trim().replace(/^at /, '')}`);
    frames.push(`#${frames.length} {main}`);
    const exception = `[object] (${err.name}(code: 0): ${err.message})\n[stacktrace]\n${frames.join('\n')}\n`;
    // Monolog keeps the exception's line breaks inline; JSON-escape everything else.
    const json = JSON.stringify({ ...context, exception: '\u0000' }).replace(
      '"\\u0000"',
      `"${exception.replace(/"/g, '\\"')}"`,
    );
    this.append(`[${stamp(new Date())}] ${this.channel}.ERROR: ${message} ${json}`);
  }

  private write(level: LogLevel, message: string, context: Record<string, unknown>): void {
    this.append(`[${stamp(new Date())}] ${this.channel}.${level}: ${message} ${JSON.stringify(context)}`);
  }

  private append(entry: string): void {
    let out = entry;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('***');
    // Synchronous so that a test reading the file right after a response sees the entry.
    appendFileSync(this.file, `${out}\n`);
  }
}
