// Runs one command and measures it: wall time from spawn to exit, and peak memory of the root
// process (the Playwright runner, which hosts the reporters) and of its whole Node tree.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RSS_PROBE = pathToFileURL(fileURLToPath(new URL('./rss-probe.mjs', import.meta.url))).href;

export interface Measured {
  wallMs: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Peak RSS of the spawned process itself, in MiB (null when it died before reporting). */
  rootPeakMiB: number | null;
  /** CPU time (user + system) of the spawned process itself, ms. */
  rootCpuMs: number | null;
  /** CPU time of the Node processes of the run by role, ms (the rest of treeCpuMs is Chromium). */
  nodeCpuMs: { runner: number; workers: number; sandbox: number; other: number };
  /** CPU time (user + system) of the whole process tree, ms; null without GNU time. */
  treeCpuMs: number | null;
  /** Largest peak RSS of any Node process of the run (workers, sandbox), in MiB. */
  treeMaxPeakMiB: number | null;
  /** The spawn time, epoch ms (timelines from a reporter are compared with it). */
  startedAt: number;
  output: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

interface RssLine {
  pid: number;
  ppid: number;
  maxRssKb: number;
  cpuMs: number;
  argv: string[];
}

function nodeCpu(lines: RssLine[], root: RssLine | undefined): Measured['nodeCpuMs'] {
  const out = { runner: 0, workers: 0, sandbox: 0, other: 0 };
  for (const l of lines) {
    const script = l.argv[0] ?? '';
    const role =
      l === root
        ? 'runner'
        : script.includes('workerProcessEntry')
          ? 'workers'
          : script.includes('sandbox')
            ? 'sandbox'
            : 'other';
    out[role] += l.cpuMs;
  }
  return out;
}

/** Process groups of running children: a Ctrl-C of the harness takes them down too. */
const running = new Set<number>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

/** Spawns `node <args>` with the RSS probe preloaded; never rejects on a non-zero exit. */
export async function runNode(args: string[], o: RunOptions): Promise<Measured> {
  const dir = path.join(os.tmpdir(), 'phasegate-bench-rss');
  mkdirSync(dir, { recursive: true });
  const rssFile = path.join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.jsonl`);
  const nodeOptions = [o.env.NODE_OPTIONS ?? '', `--import=${RSS_PROBE}`].join(' ').trim();
  const startedAt = Date.now();
  const t0 = process.hrtime.bigint();
  const timeFile = `${rssFile}.time`;
  // GNU time reports the CPU of the whole tree it waited for (workers, sandbox, Chromium): a
  // cost that other people's load on a shared machine does not stretch.
  const [command, commandArgs] = HAS_GNU_TIME
    ? [GNU_TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, {
    cwd: o.cwd,
    env: { ...o.env, NODE_OPTIONS: nodeOptions, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid) running.add(child.pid);
  const chunks: string[] = [];
  let kept = 0;
  const keep = (b: Buffer) => {
    // Keep the tail only: enough to explain a failure, bounded for 10,000-test runs.
    chunks.push(b.toString());
    kept += b.length;
    while (kept > 64_000 && chunks.length > 1) kept -= (chunks.shift() as string).length;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, o.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, s) => resolve({ code: c, signal: s }));
    },
  );
  clearTimeout(timer);
  if (child.pid) running.delete(child.pid);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const lines = readRss(rssFile);
  rmSync(rssFile, { force: true });
  const root = lines.find((l) => (HAS_GNU_TIME ? l.ppid : l.pid) === child.pid);
  const treeCpuMs = readTreeCpu(timeFile);
  rmSync(timeFile, { force: true });
  const tree = lines.length ? Math.max(...lines.map((l) => l.maxRssKb)) : null;
  return {
    wallMs,
    exitCode: code,
    signal,
    rootPeakMiB: root ? root.maxRssKb / 1024 : null,
    rootCpuMs: root ? root.cpuMs : null,
    treeCpuMs,
    nodeCpuMs: nodeCpu(lines, root),
    treeMaxPeakMiB: tree === null ? null : tree / 1024,
    startedAt,
    output: chunks.join(''),
  };
}

const GNU_TIME = '/usr/bin/time';
const HAS_GNU_TIME = existsSync(GNU_TIME);

function readTreeCpu(file: string): number | null {
  if (!existsSync(file)) return null;
  // The last line: a child killed by a signal makes time write a "Command terminated" line first.
  const last = readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
  const [user, system] = last.split(' ').map(Number);
  return user !== undefined && system !== undefined && !Number.isNaN(user + system)
    ? (user + system) * 1000
    : null;
}

function readRss(file: string): RssLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RssLine);
}

/** A tree's Playwright CLI, run with node directly (npx would add its own start-up to every figure). */
export function playwrightCli(repo: string): string {
  return path.join(repo, 'node_modules/@playwright/test/cli.js');
}

/** This tree's Playwright CLI. */
export const PLAYWRIGHT_CLI = playwrightCli(fileURLToPath(new URL('..', import.meta.url)));
