// `npm run announce -- --phase N --date 2026-11-30 --time 14:00 --changes "…" [--changes "…"]`:
// the runbook's pre-deployment message, to Slack and/or e-mail as configured (SLACK_WEBHOOK_URL,
// SMTP_URL + NOTIFY_EMAIL_TO). Always printed; exit 1 when a configured channel failed, 2 on
// bad arguments or settings.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { envOrExit, type Env } from '../config/env.ts';
import { phases } from '../phases/catalogue.ts';
import { announcementMessage, notifySettings, sendAll } from '../reporters/notify.ts';
import { loadTemplates } from '../reporters/write.ts';

const USAGE =
  'usage: npm run announce -- --phase <1-8> --date <date> --time <HH:MM> --changes "<what ships>" [--changes …]';

function fail(message: string): never {
  console.error(`announce: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        phase: { type: 'string' },
        date: { type: 'string' },
        time: { type: 'string' },
        changes: { type: 'string', multiple: true },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const phase = phases.find((p) => String(p.id) === values.phase);
  if (!phase) fail('--phase must be a phase number from 1 to 8');
  if (!values.date) fail('--date is required');
  if (!values.time) fail('--time is required');
  const changes = (values.changes ?? [])
    .flatMap((c) => c.split('\n'))
    .map((c) => c.trim())
    .filter(Boolean);
  if (!changes.length) fail('--changes is required (what is being deployed)');
  const s = envOrExit();
  const link = s.REPORT_LINK_BASE
    ? `${s.REPORT_LINK_BASE.replace(/\/+$/, '')}/`
    : `${path.join(s.STORAGE_DIR, 'reports', `phase_${phase.id}_<timestamp>`, 'INDEX.md')} (after the checks run)`;
  const message = announcementMessage(
    {
      phase,
      date: values.date,
      time: values.time,
      changes,
      link,
      who: s.DEPLOYED_BY ?? os.userInfo().username,
    },
    loadTemplates(),
  );
  console.log(`Subject: ${message.subject}\n\n${message.text}`);
  const outcomes = await sendAll(message, notifySettings(s));
  if (!outcomes.length)
    console.log(pc.yellow('announce: no SLACK_WEBHOOK_URL or SMTP_URL set: printed only'));
  for (const o of outcomes) {
    console.log(o.ok ? pc.green(`✅ ${o.channel}: ${o.detail}`) : pc.red(`❌ ${o.channel}: ${o.detail}`));
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

process.exitCode = await main();
