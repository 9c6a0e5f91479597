// `npm run sandbox`: starts the sandbox from SANDBOX_* variables, prints its URLs, and stops
// cleanly on SIGTERM/SIGINT.
import { readSandboxConfig } from './config.ts';
import { startSandbox } from './index.ts';

async function main(): Promise<void> {
  const cfg = readSandboxConfig();
  const sandbox = await startSandbox(cfg);
  console.log(`sandbox app:      ${sandbox.appUrl}`);
  console.log(`sandbox Cal.com:  ${sandbox.calcomUrl}`);
  console.log(`sandbox faults:   ${sandbox.faults().join(', ') || '(none)'}`);
  console.log(`sandbox log:      ${cfg.logPath}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`sandbox: ${signal}, stopping`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  // Messages only: a stack trace would not help a user, and no setting's value is printed.
  console.error(`sandbox: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
