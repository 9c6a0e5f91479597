// Preloaded into every Node process of a measured run (NODE_OPTIONS=--import): on exit each
// process appends its own peak resident set size and CPU time, so the harness can tell the
// Playwright runner (which hosts the reporters) from its workers and the sandbox. Plain JS: it
// loads before tsx.
import { appendFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const line = {
      pid: process.pid,
      ppid: process.ppid,
      maxRssKb: u.maxRSS,
      // CPU time is the steadier cost on a shared machine: others' load stretches wall time.
      cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
      argv: process.argv.slice(1, 3),
    };
    try {
      appendFileSync(out, `${JSON.stringify(line)}\n`);
    } catch (err) {
      process.stderr.write(`bench rss-probe: cannot write ${out}: ${String(err)}\n`);
    }
  });
}
