// The runbook's three messages (COMMUNICATION TEMPLATE): pre-deployment, success, failure.
// Rendered from handlebars templates, posted to a Slack incoming webhook (JSON `{text}`) and/or
// sent by SMTP. A notification that fails is reported, never thrown: it must not change the
// verdict of the run it reports. Short timeouts: a dead mail server must not hold a gate.
import type Handlebars from 'handlebars';
import type { Dispatcher } from 'undici';
import { redact, type Env } from '../config/env.ts';
import { proxyFor, proxyName, proxyOptions } from '../config/proxy.ts';
import type { Phase } from '../phases/catalogue.ts';
import type { NotificationOutcome, RunModel } from './model.ts';
import { handlebarsCompiler, type Templates } from './render.ts';

export interface NotifySettings {
  slackWebhookUrl?: string;
  smtpUrl?: string;
  emailTo?: string;
  emailFrom: string;
  timeoutMs: number;
  secrets: readonly string[];
  /** The proxy settings the Slack webhook is reached through (config/proxy.ts); none: direct. */
  proxy?: Pick<Env, 'HTTPS_PROXY' | 'HTTP_PROXY' | 'NO_PROXY'>;
}

/** The channels and their limits, from the settings. */
export function notifySettings(s: Env): NotifySettings {
  return {
    slackWebhookUrl: s.SLACK_WEBHOOK_URL,
    smtpUrl: s.SMTP_URL,
    emailTo: s.NOTIFY_EMAIL_TO,
    emailFrom: s.NOTIFY_EMAIL_FROM,
    timeoutMs: s.NOTIFY_TIMEOUT_MS,
    secrets: s.secrets,
    proxy: { HTTPS_PROXY: s.HTTPS_PROXY, HTTP_PROXY: s.HTTP_PROXY, NO_PROXY: s.NO_PROXY },
  };
}

export interface Message {
  subject: string;
  text: string;
}

function compile(templates: Templates, name: string): Handlebars.TemplateDelegate {
  const source = templates[name];
  if (source === undefined) throw new Error(`notify: template reporters/templates/${name} is missing`);
  // Only a run that sends a message pays for handlebars' compiler.
  return handlebarsCompiler().create().compile(source, { noEscape: true });
}

/** Where a reader finds the report: REPORT_LINK_BASE + the report path, else the local path. */
export function reportLink(reportDir: string, linkBase: string | undefined): string {
  const rel = `${reportDir.split('\\').join('/')}/INDEX.md`;
  return linkBase ? `${linkBase.replace(/\/+$/, '')}/${rel.replace(/^\/+/, '')}` : rel;
}

/** The success or failure message of a finished run. */
export function runMessage(model: RunModel, templates: Templates, linkBase: string | undefined): Message {
  const c = model.counts;
  const link = reportLink(model.reportDir, linkBase);
  if (model.status === 'ERROR') {
    return {
      subject: `Deployment: Phase ${model.phase} INCONCLUSIVE - not verified, do not roll back`,
      text: compile(
        templates,
        'message-inconclusive.hbs',
      )({
        phase: model.phase,
        inconclusive: model.counts.inconclusive,
        executed: model.counts.executed,
        cause: model.verdictCause ?? `could not verify Phase ${model.phase}`,
        causes: model.causes.filter((g) => g.status === 'INCONCLUSIVE'),
        link,
        who: model.deployedBy,
      }),
    };
  }
  if (model.status === 'FAIL') {
    const first = model.checks.find((k) => k.status === 'FAIL');
    const error = first
      ? `${first.title}: ${first.crashed ? 'crashed: ' : ''}${first.cause ?? 'failed'}`
      : (model.globalErrors[0]?.split('\n')[0] ?? 'no check ran');
    return {
      subject: `Deployment: Phase ${model.phase} FAILED - ${model.recommendation}`,
      text: compile(
        templates,
        'message-failure.hbs',
      )({
        phase: model.phase,
        failed: c.failed,
        executed: c.executed,
        error,
        rollback: model.recommendation === 'ROLLBACK',
        bothVersions: model.bothVersionsFailing !== null,
        link,
        who: model.deployedBy,
      }),
    };
  }
  return {
    subject: `Deployment: Phase ${model.phase} Complete`,
    text: compile(
      templates,
      'message-success.hbs',
    )({
      phase: model.phase,
      monitor: model.status === 'WARN',
      warnings: c.warnings,
      skipped: c.skipped,
      passed: c.passed,
      executed: c.executed,
      screenshots: model.screenshots.length
        ? `Generated (${model.screenshots.length})${model.screenshots.some((s) => s.blank) ? ', blank page(s) flagged' : ', none blank'}`
        : 'None attached',
      link,
      recommendation: model.recommendation,
      next: model.phase < 8 ? `Phase ${model.phase + 1}` : 'final sign-off',
      who: model.deployedBy,
    }),
  };
}

export interface Announcement {
  phase: Phase;
  date: string;
  time: string;
  changes: string[];
  link: string;
  who: string;
}

/** The pre-deployment message; its first line "Subject: …" becomes the e-mail subject. */
export function announcementMessage(a: Announcement, templates: Templates): Message {
  const full = compile(
    templates,
    'message-announce.hbs',
  )({
    phase: a.phase.id,
    phaseName: a.phase.name,
    date: a.date,
    time: a.time,
    duration: a.phase.duration,
    risk: a.phase.risk,
    rollbackEffort: a.phase.rollbackEffort,
    changes: a.changes,
    link: a.link,
    who: a.who,
  });
  const [first, ...rest] = full.split('\n');
  const m = /^Subject:\s*(.*)$/.exec(first ?? '');
  return m
    ? { subject: m[1] ?? '', text: rest.join('\n').replace(/^\n+/, '') }
    : { subject: 'Deployment', text: full };
}

/** Slack treats &, < and > as control characters in `text`. */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function failure(
  channel: NotificationOutcome['channel'],
  err: unknown,
  secrets: readonly string[],
): NotificationOutcome {
  const e = err as Error & { code?: string };
  const why = [e.code, e.message].filter(Boolean).join(': ') || String(err);
  return { channel, ok: false, detail: redact(why, secrets) };
}

export async function sendSlack(
  url: string,
  message: Message,
  s: NotifySettings,
): Promise<NotificationOutcome> {
  const proxy = s.proxy ? proxyFor(s.proxy, url) : null;
  let dispatcher: Dispatcher | undefined;
  try {
    // Loaded on first use: a run that sends nothing never pays for the HTTP and SMTP clients.
    const { EnvHttpProxyAgent, request } = await import('undici');
    dispatcher = new EnvHttpProxyAgent({ ...proxyOptions(s.proxy ?? {}), connectTimeout: s.timeoutMs });
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: slackEscape(redact(message.text, s.secrets)) }),
      headersTimeout: s.timeoutMs,
      bodyTimeout: s.timeoutMs,
      signal: AbortSignal.timeout(s.timeoutMs),
    });
    const body = (await res.body.text()).slice(0, 200);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      return {
        channel: 'slack',
        ok: false,
        detail: redact(`webhook answered HTTP ${res.statusCode}: ${body}`, s.secrets),
      };
    }
    return { channel: 'slack', ok: true, detail: `posted (HTTP ${res.statusCode})` };
  } catch (err) {
    const outcome = failure('slack', err, s.secrets);
    return proxy ? { ...outcome, detail: `${outcome.detail} (through the ${proxyName(proxy)})` } : outcome;
  } finally {
    await dispatcher?.close().catch(() => undefined);
  }
}

export async function sendEmail(
  smtpUrl: string,
  message: Message,
  s: NotifySettings,
): Promise<NotificationOutcome> {
  const to = s.emailTo ?? '';
  const u = new URL(smtpUrl);
  const secure = u.protocol === 'smtps:';
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
  });
  try {
    await transport.sendMail({
      from: s.emailFrom,
      to,
      subject: redact(message.subject, s.secrets),
      text: redact(message.text, s.secrets),
    });
    return { channel: 'email', ok: true, detail: `sent to ${to}` };
  } catch (err) {
    return failure('email', err, s.secrets);
  } finally {
    transport.close();
  }
}

type ChannelSettings = Pick<NotifySettings, 'slackWebhookUrl' | 'smtpUrl' | 'emailTo'>;

/** The Slack webhook, when one is configured. */
const slackOf = (s: ChannelSettings) => s.slackWebhookUrl || undefined;
/** The SMTP server, when e-mail is configured (a server and a recipient). */
const smtpOf = (s: ChannelSettings) => (s.emailTo ? s.smtpUrl || undefined : undefined);

/** Whether any channel is configured: without one a run composes no message at all. */
export function hasChannel(s: ChannelSettings): boolean {
  return slackOf(s) !== undefined || smtpOf(s) !== undefined;
}

/** Sends `message` on every configured channel; never throws. */
export async function sendAll(message: Message, s: NotifySettings): Promise<NotificationOutcome[]> {
  const jobs: Promise<NotificationOutcome>[] = [];
  const slack = slackOf(s);
  if (slack) jobs.push(sendSlack(slack, message, s));
  const smtp = smtpOf(s);
  if (smtp) jobs.push(sendEmail(smtp, message, s));
  return Promise.all(jobs);
}

export type NotifyOn = 'all' | 'failure' | 'none';

/** Whether a run with this status is announced under NOTIFY_ON. */
export function shouldNotify(model: Pick<RunModel, 'status'>, on: NotifyOn): boolean {
  return on === 'all' || (on === 'failure' && (model.status === 'FAIL' || model.status === 'ERROR'));
}
