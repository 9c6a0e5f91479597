// fixtures/detail-layouts.ts in real Chromium (one browser for the file) against small detail
// pages served on loopback: every layout hand-written Blade detail pages use, hidden values,
// labels rendered late, and labels that are not there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from '@playwright/test';
import { loopbackBrowser } from './helpers/loopback-browser.ts';
import { labelledValue } from '../fixtures/detail-layouts.ts';

const UID = 'bk_9f2c41d7';
const KEY = '6f1c2b9e-2d4a-4c1e-9a53-0d7e8b1f4a21';

/** Path → body of a detail page in one layout. */
const PAGES: Record<string, string> = {
  '/dl': `<dl><dt>Idempotency key</dt><dd> ${KEY} </dd><dt>Cal.com booking UID</dt><dd>${UID}</dd></dl>`,
  '/dl-nested': `<dl><div><dt><strong>Cal.com booking UID</strong></dt><dd><code>${UID}</code></dd></div></dl>`,
  '/table-rows': `<table><tbody><tr><th>Idempotency key</th><td>${KEY}</td></tr><tr><th scope="row">Cal.com booking UID:</th><td>${UID}</td></tr></tbody></table>`,
  '/table-columns': `<table><thead><tr><th>Patient</th><th>Cal.com booking UID</th></tr></thead><tbody><tr><td>Ada</td><td>${UID}</td></tr></tbody></table>`,
  '/strong': `<div class="card"><p><strong>Idempotency key:</strong> ${KEY}</p><p><strong>Cal.com booking UID:</strong> ${UID}</p></div>`,
  '/plain': `<div class="card-body"><p>Status: confirmed</p><p>Cal.com booking UID: ${UID}</p><p>Idempotency key: ${KEY}<br>Created: 2026-11-27</p></div>`,
  '/plain-span': `<p>Cal.com booking UID: <span class="mono">${UID}</span></p>`,
  '/label-sibling': `<div><span>Cal.com booking UID</span><span>${UID}</span></div><label>Idempotency key</label><input readonly value="${KEY}">`,
  '/label-for': `<label for="uid">Cal.com booking UID</label><div>help text</div><input id="uid" readonly value="${UID}">`,
  '/hidden': `<dl><dt>Cal.com booking UID</dt><dd style="display:none">${UID}</dd><dt>Idempotency key</dt><dd></dd></dl><p style="visibility:hidden">Status: confirmed</p>`,
  '/late': `<main></main><script>setTimeout(() => { document.querySelector('main').innerHTML = '<p>Cal.com booking UID: ${UID}</p>'; }, 400);</script>`,
  '/elsewhere': `<p>The Cal.com booking UID: appears once the booking is synced.</p><script>var x = "Cal.com booking UID: nope";</script>`,
};

/** The site: one request handler. */
function site(req: IncomingMessage, res: ServerResponse): void {
  const body = PAGES[new URL(req.url ?? '/', 'http://x').pathname];
  res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><html><head><title>Appointment</title></head><body>${body ?? 'not found'}</body></html>`,
  );
}

describe('labelledValue in real Chromium', () => {
  let page: Page;
  let base = '';
  let close: () => Promise<void> = async () => {};

  before(async () => {
    ({ page, base, close } = await loopbackBrowser(site));
  });

  after(() => close());

  const read = async (path: string, label: string, timeoutMs = 300) => {
    await page.goto(base + path);
    return labelledValue(page, label, timeoutMs);
  };
  const shown = (text: string) => ({ text, visible: true });

  test('<dl><dt>Label</dt><dd>value</dd>, also with wrappers inside', async () => {
    assert.deepEqual(await read('/dl', 'Idempotency key'), shown(KEY));
    assert.deepEqual(await read('/dl', 'Cal.com booking UID'), shown(UID));
    assert.deepEqual(await read('/dl-nested', 'Cal.com booking UID'), shown(UID));
  });

  test('a table: <th> beside its <td>, or a header row above it', async () => {
    assert.deepEqual(await read('/table-rows', 'Idempotency key'), shown(KEY));
    assert.deepEqual(await read('/table-rows', 'Cal.com booking UID'), shown(UID));
    assert.deepEqual(await read('/table-columns', 'Cal.com booking UID'), shown(UID));
  });

  test('<p><strong>Label:</strong> value</p>', async () => {
    assert.deepEqual(await read('/strong', 'Idempotency key'), shown(KEY));
    assert.deepEqual(await read('/strong', 'Cal.com booking UID'), shown(UID));
  });

  test('<p>Label: value</p>, up to the end of its line', async () => {
    assert.deepEqual(await read('/plain', 'Cal.com booking UID'), shown(UID));
    assert.deepEqual(await read('/plain', 'status'), shown('confirmed'));
    assert.deepEqual(await read('/plain', 'Idempotency key'), shown(KEY));
    assert.deepEqual(await read('/plain-span', 'Cal.com booking UID'), shown(UID));
  });

  test('a label element and the element after it, or the field it labels', async () => {
    assert.deepEqual(await read('/label-sibling', 'Cal.com booking UID'), shown(UID));
    assert.deepEqual(await read('/label-sibling', 'Idempotency key'), shown(KEY));
    assert.deepEqual(await read('/label-for', 'Cal.com booking UID'), shown(UID));
  });

  test('a hidden or empty value is told apart from a missing one', async () => {
    assert.deepEqual(await read('/hidden', 'Cal.com booking UID'), { text: UID, visible: false });
    assert.deepEqual(await read('/hidden', 'Idempotency key'), { text: '', visible: false });
    assert.deepEqual(await read('/hidden', 'Status'), { text: 'confirmed', visible: false });
    assert.equal(await read('/dl', 'Reference'), null);
  });

  test('waits for a label rendered after the load, and only as long as asked', async () => {
    assert.equal(await read('/late', 'Cal.com booking UID', 50), null);
    assert.deepEqual(await read('/late', 'Cal.com booking UID', 3_000), shown(UID));
  });

  test('the label in a sentence or in a script is not a label', async () => {
    assert.equal(await read('/elsewhere', 'Cal.com booking UID'), null);
  });
});
