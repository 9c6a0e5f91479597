// The browser checks' decisions, without a browser or a server (fixtures/page-verdicts.ts), plus
// the blank-page verdict on real PNGs made with sharp.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  blankVerdict,
  bookingMatchVerdict,
  shownValueVerdict,
  degradationVerdict,
  isIgnoredConsoleError,
  navigationMs,
  pathParams,
  quoteList,
  slowestPage,
  settingPattern,
  validationVerdict,
} from '../fixtures/page-verdicts.ts';

function flat(stdev: number) {
  return { mean: 255, stdev };
}

describe('blankVerdict', () => {
  test('a page of one colour is blank and names the colour', () => {
    const v = blankVerdict({
      channels: [flat(0), flat(0), flat(0), flat(0)],
      dominant: { r: 248, g: 248, b: 248 },
    });
    assert.equal(v.blank, true);
    assert.match(v.reason, /one colour \(rgb\(248, 248, 248\)/);
  });

  test('content in any one colour channel makes it not blank', () => {
    assert.equal(blankVerdict({ channels: [flat(0), flat(0), flat(14)] }).blank, false);
  });

  test('compression noise under the tolerance still counts as blank', () => {
    assert.equal(blankVerdict({ channels: [flat(1.5), flat(0.4), flat(0)] }).blank, true);
    assert.equal(blankVerdict({ channels: [flat(2.5), flat(0), flat(0)] }).blank, false);
  });

  test('the alpha channel does not count as content', () => {
    assert.equal(blankVerdict({ channels: [flat(0), flat(0), flat(0), flat(120)] }).blank, true);
  });

  test('a screenshot with no channels is blank', () => {
    assert.equal(blankVerdict({ channels: [] }).blank, true);
  });

  test('on real PNGs: a white page is blank, a page with a line of text is not', async () => {
    const white = await sharp({ create: { width: 1280, height: 800, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    assert.equal(blankVerdict(await sharp(white).stats()).blank, true);
    // A 300x16 dark bar stands in for a heading: under 0.5% of the pixels.
    const bar = await sharp({ create: { width: 300, height: 16, channels: 3, background: '#222222' } })
      .png()
      .toBuffer();
    const text = await sharp(white)
      .composite([{ input: bar, left: 40, top: 40 }])
      .png()
      .toBuffer();
    const v = blankVerdict(await sharp(text).stats());
    assert.equal(v.blank, false, v.reason);
  });
});

describe('navigationMs', () => {
  test('is load end minus navigation start, rounded', () => {
    assert.equal(navigationMs({ startTime: 0, loadEventEnd: 1234.6, domContentLoadedEventEnd: 900 }), 1235);
  });
  test('is null while the load event has not finished', () => {
    assert.equal(navigationMs({ startTime: 0, loadEventEnd: 0, domContentLoadedEventEnd: 900 }), null);
  });
  test('is null for an inconsistent entry', () => {
    assert.equal(navigationMs({ startTime: 50, loadEventEnd: 10, domContentLoadedEventEnd: 0 }), null);
  });
});

describe('slowestPage', () => {
  test('picks the slowest, and an unfinished load counts as the fallback', () => {
    assert.deepEqual(
      slowestPage(
        [
          { name: 'login page', ms: 400 },
          { name: 'appointment form', ms: 900 },
        ],
        99,
      ),
      { name: 'appointment form', ms: 900 },
    );
    assert.deepEqual(
      slowestPage(
        [
          { name: 'login page', ms: 400 },
          { name: 'appointment form', ms: null },
        ],
        15000,
      ),
      { name: 'appointment form', ms: 15000 },
    );
  });
  test('refuses an empty list', () => {
    assert.throws(() => slowestPage([], 1), /no page/);
  });
});

describe('validationVerdict', () => {
  test('one clear message per bad field passes', () => {
    const v = validationVerdict(
      [],
      ["Please enter the patient's name.", 'Please enter a valid email address.'],
      2,
    );
    assert.equal(v.ok, true);
    assert.match(v.message, /2 error message/);
  });
  test('a blank alert fails, even next to clear ones', () => {
    const v = validationVerdict([], ['', 'Please enter a valid email address.', '  \n '], 3);
    assert.equal(v.ok, false);
    assert.match(v.message, /2 of 3 error message\(s\) are blank/);
  });
  test('no message at all fails', () => {
    const v = validationVerdict([], [], 3);
    assert.equal(v.ok, false);
    assert.match(v.message, /showed no error message/);
  });
  test('an alert that was already there (a degraded notice) does not count as a validation message', () => {
    const notice = 'Online calendar sync is temporarily unavailable.';
    const v = validationVerdict([notice], [notice], 3);
    assert.equal(v.ok, false);
    assert.match(v.message, /no error message/);
  });
  test('empty live regions present before the submit are not blank messages', () => {
    const ok = validationVerdict([''], ['', 'Please enter a valid email address.'], 1);
    assert.equal(ok.ok, true, ok.message);
    const bad = validationVerdict([''], ['', '', ''], 2);
    assert.equal(bad.ok, false);
    assert.match(bad.message, /2 of 2 error message\(s\) are blank/);
  });
  test('fewer messages than bad fields fails and quotes what was shown', () => {
    const v = validationVerdict([], ['Please enter a valid email address.'], 3);
    assert.equal(v.ok, false);
    assert.match(v.message, /only 1 error message\(s\): "Please enter a valid email address\."/);
  });
});

describe('degradationVerdict', () => {
  test('degraded: 200 with the notice passes', () => {
    assert.equal(degradationVerdict({ outages: ['calcom down'], status: 200, noticeShown: true }).ok, true);
  });
  test('degraded: a 500 fails and names the outage', () => {
    const v = degradationVerdict({ outages: ['calcom down'], status: 500, noticeShown: false });
    assert.equal(v.ok, false);
    assert.match(v.message, /HTTP 500 while calcom down: no graceful degradation/);
  });
  test('degraded: 200 without a notice fails', () => {
    const v = degradationVerdict({ outages: ['circuit_breaker open'], status: 200, noticeShown: false });
    assert.equal(v.ok, false);
    assert.match(v.message, /no degraded-mode notice/);
  });
  test('all up: 200 without the notice passes, with it fails, an error status fails', () => {
    assert.equal(degradationVerdict({ outages: [], status: 200, noticeShown: false }).ok, true);
    assert.equal(degradationVerdict({ outages: [], status: 200, noticeShown: true }).ok, false);
    assert.equal(degradationVerdict({ outages: [], status: 503, noticeShown: false }).ok, false);
  });
});

describe('pathParams', () => {
  test('matches a template and decodes its parameters', () => {
    assert.deepEqual(pathParams('/appointments/{id}', '/appointments/42'), { id: '42' });
    assert.deepEqual(pathParams('/clinics/{clinic}/bookings/{id}', '/clinics/a%20b/bookings/7/'), {
      clinic: 'a b',
      id: '7',
    });
  });
  test('does not match other paths', () => {
    assert.equal(pathParams('/appointments/{id}', '/appointments/create/x'), null);
    assert.equal(pathParams('/appointments/{id}', '/login'), null);
  });
  test('ignores query strings and treats other characters literally', () => {
    assert.deepEqual(pathParams('/a.b/{id}?x=1', '/a.b/9?y=2'), { id: '9' });
    assert.equal(pathParams('/a.b/{id}', '/aXb/9'), null);
  });
});

describe('text helpers', () => {
  test('settingPattern is a case-insensitive expression and names a bad one', () => {
    assert.match('Sync is Temporarily Unavailable (x)', settingPattern('P', 'temporarily unavailable'));
    assert.match('Calendar offline', settingPattern('P', 'unavailable|offline'));
    assert.throws(
      () => settingPattern('DEGRADED_NOTICE_PATTERN', 'a(b'),
      /DEGRADED_NOTICE_PATTERN is not a valid regular expression: a\(b/,
    );
  });
  test('quoteList quotes the first entries and counts the rest', () => {
    assert.equal(quoteList(['a', 'b', 'c', 'd', 'e']), '"a", "b", "c" and 2 more');
    assert.equal(quoteList(['a']), '"a"');
    assert.equal(quoteList(['x'.repeat(250)]).length, 203);
  });
});

describe('shownValueVerdict', () => {
  const label = 'Idempotency key';
  test('the stored value, visible, passes', () => {
    assert.equal(shownValueVerdict(label, { text: 'k-1', visible: true }, 'k-1').ok, true);
  });
  test('absent, hidden, blank, different or unstored fail with the reason', () => {
    assert.match(shownValueVerdict(label, null, 'k-1').message, /does not show "Idempotency key"/);
    assert.match(shownValueVerdict(label, { text: 'k-1', visible: false }, 'k-1').message, /hidden/);
    assert.match(shownValueVerdict(label, { text: '', visible: true }, 'k-1').message, /shown blank/);
    assert.match(
      shownValueVerdict(label, { text: 'k-2', visible: true }, 'k-1').message,
      /shows k-2 but the database has k-1/,
    );
    assert.match(
      shownValueVerdict(label, { text: 'k-1', visible: true }, null).message,
      /database record has no/,
    );
  });
});

describe('bookingMatchVerdict', () => {
  const startsAt = new Date('2027-09-01T10:17:00Z');
  const local = { uid: 'uid-1', startsAt, email: 'a+1@example.invalid', status: 'confirmed' };
  const calcom = { uid: 'uid-1', start: '2027-09-01T10:17:00.000Z', attendeeEmails: ['A+1@example.invalid'] };
  test('one booking everywhere passes', () => {
    const v = bookingMatchVerdict({ shownUid: 'uid-1', local, calcom });
    assert.equal(v.ok, true, v.message);
  });
  test('no local uid fails first, naming the status', () => {
    const v = bookingMatchVerdict({
      shownUid: null,
      local: { ...local, uid: null, status: 'pending_sync' },
      calcom: undefined,
    });
    assert.equal(v.ok, false);
    assert.match(v.message, /no Cal.com booking UID \(status pending_sync\)/);
  });
  test('page, start, attendee and Cal.com errors are each named', () => {
    assert.match(
      bookingMatchVerdict({ shownUid: 'uid-9', local, calcom }).message,
      /page shows uid-9 but the database has uid-1/,
    );
    assert.match(
      bookingMatchVerdict({ shownUid: '', local, calcom }).message,
      /shows no Cal.com booking UID/,
    );
    assert.match(
      bookingMatchVerdict({ shownUid: 'uid-1', local, calcom: { ...calcom, start: '2027-09-01T10:47:00Z' } })
        .message,
      /Cal.com starts it at 2027-09-01T10:47:00Z/,
    );
    // Half an hour off is a wrong booking; two hours, the local times read in the wrong zone.
    assert.doesNotMatch(
      bookingMatchVerdict({ shownUid: 'uid-1', local, calcom: { ...calcom, start: '2027-09-01T10:47:00Z' } })
        .message,
      /APP_TIMEZONE/,
    );
    assert.match(
      bookingMatchVerdict({ shownUid: 'uid-1', local, calcom: { ...calcom, start: '2027-09-01T08:17:00Z' } })
        .message,
      /Cal.com starts it at 2027-09-01T08:17:00Z, the local record at 2027-09-01T10:17:00.000Z; exactly 2 h apart: is APP_TIMEZONE the application's own time zone\?/,
    );
    assert.match(
      bookingMatchVerdict({ shownUid: 'uid-1', local, calcom: { ...calcom, attendeeEmails: [] } }).message,
      /attendees \(none\) do not include/,
    );
    assert.match(
      bookingMatchVerdict({ shownUid: 'uid-1', local, calcom: 'HTTP 404 not found' }).message,
      /Cal.com does not return booking uid-1: HTTP 404/,
    );
  });
});

describe('isIgnoredConsoleError', () => {
  test("only the browser's own favicon request is ignored", () => {
    const failed = 'Failed to load resource: the server responded with a status of 404 (Not Found)';
    assert.equal(isIgnoredConsoleError(failed, 'http://127.0.0.1:8000/favicon.ico'), true);
    assert.equal(isIgnoredConsoleError(failed, 'http://127.0.0.1:8000/js/app.js'), false);
    assert.equal(isIgnoredConsoleError('Uncaught TypeError: x is undefined', 'http://h/favicon.ico'), false);
    assert.equal(isIgnoredConsoleError(failed, ''), false);
  });
});
