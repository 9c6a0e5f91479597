// The app's HTML. Every interpolated value goes through `esc`. Pages are found by role and label
// in the checks, as a person would find them; CSS classes here are not part of the contract.
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const DEGRADED_NOTICE =
  'Online calendar sync is temporarily unavailable. Your booking is saved and will sync automatically.';

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { background: #234; color: #fff; padding: 12px 24px; }
  main { max-width: 720px; margin: 24px auto; background: #fff; padding: 24px 32px; border-radius: 8px; }
  label { display: block; margin-top: 12px; font-weight: 600; }
  input, textarea { display: block; width: 100%; padding: 8px; margin-top: 4px; box-sizing: border-box; }
  button { margin-top: 16px; padding: 10px 18px; background: #2a5bd7; color: #fff; border: 0; border-radius: 4px; }
  .field-error { color: #b00020; margin: 4px 0 0; min-height: 1em; }
  .notice { background: #fff4d6; border: 1px solid #e0b000; padding: 8px 12px; }
  .error { background: #fde8e8; border: 1px solid #b00020; padding: 8px 12px; }
  .spinner { display: inline-block; width: 16px; height: 16px; border: 3px solid #ccd; border-top-color: #2a5bd7;
    border-radius: 50%; animation: spin 1s linear infinite; vertical-align: middle; }
  .spinner[hidden] { display: none; }
  @keyframes spin { to { transform: rotate(360deg); } }
  dt { font-weight: 600; margin-top: 8px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ccd; padding: 4px 8px; }
`;

interface LayoutOptions {
  title: string;
  csrf: string;
  body: string;
  head?: string;
  script?: string;
}

function layout(o: LayoutOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${esc(o.csrf)}">
<link rel="icon" href="data:,">
<title>${esc(o.title)} · Riverside Clinic</title>
<style>${STYLE}</style>
${o.head ?? ''}
</head>
<body>
<header>Riverside Clinic · Appointments</header>
<main>
${o.body}
</main>
${o.script ? `<script>${o.script}</script>` : ''}
</body>
</html>`;
}

export interface LoginPageOptions {
  csrf: string;
  email?: string;
  error?: string;
  blank: boolean;
  consoleError: boolean;
}

export function loginPage(o: LoginPageOptions): string {
  // login_blank: the HTML arrives, but a stylesheet regression hides everything.
  const head = o.blank
    ? '<style>body { background: #fff; } body > * { display: none !important; }</style>'
    : '';
  // console_error: the page's script reads an element that a template change removed.
  const script = o.consoleError
    ? `document.getElementById('remember-me').addEventListener('change', function () {});`
    : `document.getElementById('email').focus();`;
  return layout({
    title: 'Sign in',
    csrf: o.csrf,
    head,
    script,
    body: `<h1>Sign in</h1>
${o.error ? `<p role="alert" class="error">${esc(o.error)}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="_token" value="${esc(o.csrf)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${esc(o.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`,
  });
}

export interface FormPageOptions {
  csrf: string;
  idempotencyKey: string;
  userName: string;
  degraded: boolean;
  errorsBlank: boolean;
  spinnerStuck: boolean;
  values?: Record<string, string>;
  serverErrors?: Record<string, string>;
}

export const CLIENT_MESSAGES = {
  patient_name: "Please enter the patient's name.",
  patient_email: 'Please enter a valid email address.',
  starts_at: 'Please choose a start time in the future.',
} as const;

export function formPage(o: FormPageOptions): string {
  const v = o.values ?? {};
  const serverError = (field: string) =>
    o.serverErrors?.[field] ? `<p role="alert" class="field-error">${esc(o.serverErrors[field])}</p>` : '';
  const messages = o.errorsBlank ? { patient_name: '', patient_email: '', starts_at: '' } : CLIENT_MESSAGES;
  const script = `
(function () {
  var spinner = document.getElementById('availability-spinner');
  var summary = document.getElementById('availability-summary');
  var stuck = ${o.spinnerStuck ? 'true' : 'false'};
  var day = new Date().toISOString().slice(0, 10);
  fetch('/api/availability?date=' + day, { headers: { accept: 'application/json' } })
    .then(function (r) { return r.json(); })
    .then(function (data) { summary.textContent = (data.slots || []).length + ' free slots today'; })
    .catch(function () { summary.textContent = 'Availability could not be loaded.'; })
    .then(function () { if (!stuck) spinner.hidden = true; });
  var messages = ${JSON.stringify(messages)};
  var form = document.getElementById('appointment-form');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    Array.prototype.forEach.call(form.querySelectorAll('.client-error'), function (el) { el.remove(); });
    var bad = [];
    var name = form.elements['patient_name'].value.trim();
    var email = form.elements['patient_email'].value.trim();
    var start = form.elements['starts_at'].value;
    if (!name) bad.push('patient_name');
    if (!/^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$/.test(email)) bad.push('patient_email');
    if (!start || !(new Date(start).getTime() > Date.now())) bad.push('starts_at');
    bad.forEach(function (field) {
      var input = form.elements[field];
      var p = document.createElement('p');
      p.className = 'field-error client-error';
      p.setAttribute('role', 'alert');
      p.id = field + '-error';
      p.textContent = messages[field];
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', p.id);
      input.insertAdjacentElement('afterend', p);
    });
    if (bad.length) { form.elements[bad[0]].focus(); return; }
    spinner.hidden = false;
    form.querySelector('button[type=submit]').disabled = true;
    form.submit();
  });
})();`;
  return layout({
    title: 'Book an appointment',
    csrf: o.csrf,
    script,
    body: `<h1>Book an appointment</h1>
<p>Signed in as ${esc(o.userName)}</p>
${o.degraded ? `<p role="alert" class="notice">${esc(DEGRADED_NOTICE)}</p>` : ''}
<p><span id="availability-spinner" class="spinner" role="status" aria-label="Loading availability"></span>
<span id="availability-summary"></span></p>
<form id="appointment-form" method="post" action="/appointments" novalidate>
<input type="hidden" name="_token" value="${esc(o.csrf)}">
<input type="hidden" name="idempotency_key" value="${esc(o.idempotencyKey)}">
<label for="patient_name">Patient name</label>
<input id="patient_name" name="patient_name" type="text" required value="${esc(v.patient_name ?? '')}">
${serverError('patient_name')}
<label for="patient_email">Patient email</label>
<input id="patient_email" name="patient_email" type="email" required value="${esc(v.patient_email ?? '')}">
${serverError('patient_email')}
<label for="starts_at">Start time</label>
<input id="starts_at" name="starts_at" type="datetime-local" required value="${esc(v.starts_at ?? '')}">
${serverError('starts_at')}
<label for="notes">Notes</label>
<textarea id="notes" name="notes" rows="3">${esc(v.notes ?? '')}</textarea>
<button type="submit">Book appointment</button>
</form>`,
  });
}

export interface AppointmentView {
  id: number;
  patient_name: string;
  client_email: string;
  starts_at: string;
  ends_at: string;
  status: string;
  idempotency_key: string | null;
  calcom_booking_uid: string | null;
  notes: string | null;
}

export function detailPage(csrf: string, a: AppointmentView): string {
  return layout({
    title: `Appointment #${a.id}`,
    csrf,
    body: `<h1>Appointment #${esc(a.id)}</h1>
<dl>
<dt>Patient</dt><dd>${esc(a.patient_name)} &lt;${esc(a.client_email)}&gt;</dd>
<dt>Start</dt><dd><time datetime="${esc(a.starts_at)}">${esc(a.starts_at)}</time></dd>
<dt>Status</dt><dd>${esc(a.status)}</dd>
<dt>Idempotency key</dt><dd>${esc(a.idempotency_key ?? '')}</dd>
<dt>Cal.com booking UID</dt><dd>${esc(a.calcom_booking_uid ?? '')}</dd>
<dt>Notes</dt><dd>${esc(a.notes ?? '')}</dd>
</dl>
<p><a href="/appointments/create">Book another appointment</a></p>`,
  });
}

export function docsPage(csrf: string, paths: string[]): string {
  return layout({
    title: 'API documentation',
    csrf,
    body: `<h1>API documentation</h1>
<p>The booking API is described in <a href="/docs/openapi.json">the OpenAPI document (openapi.json)</a>.</p>
<ul>${paths.map((p) => `<li><code>${esc(p)}</code></li>`).join('')}</ul>`,
  });
}

export interface DashboardView {
  status: string;
  checks: Record<string, Record<string, unknown> | undefined>;
}

export function dashboardPage(csrf: string, view: DashboardView): string {
  const rows = Object.entries(view.checks)
    .filter((e): e is [string, Record<string, unknown>] => e[1] !== undefined)
    .map(
      ([name, c]) =>
        `<tr><th scope="row">${esc(name)}</th><td>${esc(c.status ?? c.state)}</td><td><code>${esc(JSON.stringify(c))}</code></td></tr>`,
    )
    .join('\n');
  return layout({
    title: 'Monitoring dashboard',
    csrf,
    body: `<h1>Monitoring dashboard</h1>
<p>Overall status: <strong>${esc(view.status)}</strong></p>
<table><thead><tr><th>Component</th><th>Status</th><th>Details</th></tr></thead>
<tbody>${rows}</tbody></table>
<p><a href="/metrics">Prometheus metrics</a> · <a href="/api/health/detailed">Detailed health (JSON)</a></p>`,
  });
}
