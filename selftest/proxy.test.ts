// A runner behind a proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, config/proxy.ts): Cal.com's API and
// the Slack webhook are reached through it, loopback and NO_PROXY hosts directly, the proxy's
// password is a secret, and a proxy that cannot open a tunnel to Cal.com is the runner's problem
// (the preflight's; inconclusive.test.ts runs the suite against one). The proxy is a real one on
// loopback that resolves every host to 127.0.0.1, so a `.invalid` host is reached through it or
// not at all.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadEnv, redact, type Env } from '../config/env.ts';
import { proxyFor, proxyOptions } from '../config/proxy.ts';
import { createCalcom, createCalcomAgent } from '../fixtures/calcom.ts';
import { askProxy, proxyProblem } from '../fixtures/preflight.ts';
import { sendSlack } from '../reporters/notify.ts';
import { closedPort, fakeHttp, fakeProxy, type FakeServer } from './helpers/fake-servers.ts';

const PASSWORD = 'Proxy-Pw-7731';
const CREDENTIALS = `relay:${PASSWORD}`;
const HOST = 'calcom.phasegate.invalid';

describe('proxy settings', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'phasegate-proxy-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));
  const settings = (source: Record<string, string>) =>
    loadEnv({ TARGET_URL: 'https://clinic.example', ...source }, cwd);

  test('which requests go through which proxy; loopback and NO_PROXY hosts directly', () => {
    const s = { HTTPS_PROXY: 'http://secure.proxy:3128', HTTP_PROXY: 'http://plain.proxy:8080' };
    assert.equal(proxyFor(s, 'https://api.cal.com/v2')?.host, 'secure.proxy:3128');
    assert.equal(proxyFor(s, 'http://calcom.internal/v2')?.host, 'plain.proxy:8080');
    assert.equal(
      proxyFor({ HTTP_PROXY: 'http://plain.proxy:8080' }, 'https://api.cal.com')?.host,
      'plain.proxy:8080',
    );
    for (const url of ['http://127.0.0.1:5100', 'http://localhost:5100', 'http://[::1]:5100'])
      assert.equal(proxyFor(s, url), null, url);
    const no = { ...s, NO_PROXY: '.cal.com, hooks.slack.com:443' };
    assert.equal(proxyFor(no, 'https://api.cal.com'), null);
    assert.equal(proxyFor(no, 'https://hooks.slack.com/services/x'), null);
    assert.equal(
      proxyFor(no, 'http://hooks.slack.com:8080/')?.host,
      'plain.proxy:8080',
      'the port must match',
    );
    assert.equal(proxyFor({ ...s, NO_PROXY: '*' }, 'https://api.cal.com'), null);
    assert.equal(proxyOptions({ ...s, NO_PROXY: '*' }).noProxy, '*');
    assert.equal(proxyFor({}, 'https://api.cal.com'), null);
  });

  test('lower-case names count, the upper-case wins, the password is redacted', () => {
    const lower = settings({ https_proxy: `http://${CREDENTIALS}@10.0.0.5:3128`, no_proxy: 'internal' });
    assert.equal(lower.HTTPS_PROXY, `http://${CREDENTIALS}@10.0.0.5:3128`);
    assert.equal(lower.NO_PROXY, 'internal');
    assert.equal(redact(`proxy said no to ${PASSWORD}`, lower.secrets), 'proxy said no to ***');
    const both = settings({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' });
    assert.equal(both.HTTPS_PROXY, 'http://upper:1');
    assert.throws(() => settings({ HTTPS_PROXY: 'socks5://10.0.0.5:1080' }), /HTTPS_PROXY/);
  });
});

describe('Cal.com and Slack through a proxy', () => {
  let calcomApi: FakeServer;
  let slack: FakeServer;
  const posted: string[] = [];
  const servers: { close(): Promise<void> }[] = [];
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'phasegate-proxy-'));

  before(async () => {
    calcomApi = await fakeHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          data: [],
          pagination: {
            totalItems: 0,
            remainingItems: 0,
            returnedItems: 0,
            itemsPerPage: 1,
            currentPage: 1,
            totalPages: 0,
            hasNextPage: false,
            hasPreviousPage: false,
          },
        }),
      );
    });
    slack = await fakeHttp((_req, res, body) => {
      posted.push(body);
      res.writeHead(200);
      res.end('ok');
    });
    servers.push(calcomApi, slack);
  });
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const settingsFor = (extra: Record<string, string>): Env =>
    loadEnv(
      {
        TARGET_URL: 'https://clinic.example',
        CALCOM_API_URL: `http://${HOST}:${calcomApi.port}`,
        CALCOM_API_KEY: 'cal_live_proxy_test_0000',
        CALCOM_TIMEOUT_MS: '3000',
        ...extra,
      },
      cwd,
    );
  const listThrough = async (s: Env) => {
    const agent = createCalcomAgent(s);
    try {
      return await createCalcom(s, agent).listPage({}, 1, 0);
    } finally {
      await agent.close();
    }
  };

  test('the Cal.com client tunnels through the proxy with its credentials', async () => {
    const proxy = await fakeProxy({ credentials: CREDENTIALS });
    servers.push(proxy);
    const page = await listThrough(
      settingsFor({ HTTP_PROXY: `http://${CREDENTIALS}@127.0.0.1:${proxy.port}` }),
    );
    assert.equal(page.pagination.hasNextPage, false);
    assert.deepEqual(proxy.tunnels, [
      {
        destination: `${HOST}:${calcomApi.port}`,
        auth: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}`,
      },
    ]);
  });

  test('without the proxy, or with the host in NO_PROXY, the name does not resolve', async () => {
    const proxy = await fakeProxy();
    servers.push(proxy);
    await assert.rejects(
      listThrough(settingsFor({})),
      /Cal\.com API unreachable \(GET \/v2\/bookings.*ENOTFOUND/,
    );
    await assert.rejects(
      listThrough(settingsFor({ HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: HOST })),
      /Cal\.com API unreachable \(GET/,
    );
    assert.equal(proxy.tunnels.length, 0);
  });

  test('a proxy that refuses our credentials: named in the error, its password never', async () => {
    const proxy = await fakeProxy({ credentials: 'relay:other-password' });
    servers.push(proxy);
    const s = settingsFor({ HTTP_PROXY: `http://${CREDENTIALS}@127.0.0.1:${proxy.port}` });
    await assert.rejects(listThrough(s), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`unreachable through the proxy 127\\.0\\.0\\.1:${proxy.port} .*407`),
      );
      assert.ok(!err.message.includes(PASSWORD), err.message);
      return true;
    });
  });

  test('the Slack webhook is posted through the proxy; a dead proxy is named', async () => {
    const proxy = await fakeProxy();
    servers.push(proxy);
    const url = `http://hooks.phasegate.invalid:${slack.port}/services/T0/B0/proxytoken0000000000`;
    const notify = (HTTP_PROXY: string | undefined) =>
      sendSlack(
        url,
        { subject: 's', text: 'Phase 1 PASS' },
        {
          emailFrom: 'x@example.test',
          timeoutMs: 3000,
          secrets: [],
          proxy: { HTTP_PROXY, HTTPS_PROXY: undefined, NO_PROXY: undefined },
        },
      );
    const sent = await notify(`http://127.0.0.1:${proxy.port}`);
    assert.deepEqual(sent, { channel: 'slack', ok: true, detail: 'posted (HTTP 200)' });
    assert.match(posted.at(-1) ?? '', /Phase 1 PASS/);
    assert.equal(proxy.tunnels[0]?.destination, `hooks.phasegate.invalid:${slack.port}`);
    const dead = await closedPort();
    const failed = await notify(`http://127.0.0.1:${dead}`);
    assert.equal(failed.ok, false);
    assert.match(failed.detail, new RegExp(`ECONNREFUSED.*\\(through the proxy 127\\.0\\.0\\.1:${dead}\\)`));
  });

  test('the preflight: a proxy that cannot open the tunnel is the runner’s problem, an upstream error is not', async () => {
    const ok = await fakeProxy({ credentials: CREDENTIALS });
    const forbidden = await fakeProxy({ status: 403 });
    const upstreamDown = await fakeProxy({ status: 502 });
    servers.push(ok, forbidden, upstreamDown);
    const at = (port: number, credentials = '') => new URL(`http://${credentials}127.0.0.1:${port}`);
    const destination = `${HOST}:${calcomApi.port}`;
    const ask = async (proxy: URL) =>
      proxyProblem(proxy, destination, await askProxy(proxy, destination, 3000));

    assert.equal(await ask(at(ok.port, `${CREDENTIALS}@`)), null, 'a tunnel that opens is no problem');
    assert.equal(await ask(at(upstreamDown.port)), null, 'a 502 is the checks’ news');
    const wrong = await ask(at(ok.port, 'relay:nope@'));
    assert.equal(wrong?.reaches, 'Cal.com checks');
    assert.equal(wrong?.fault, 'checker');
    assert.match(wrong?.text ?? '', /proxy 127\.0\.0\.1:\d+ refused the checker's credentials .*407/);
    assert.match(
      (await ask(at(forbidden.port)))?.text ?? '',
      /refused to open a tunnel to Cal\.com .*HTTP 403/,
    );
    const dead = await closedPort();
    const refused = await ask(at(dead));
    assert.match(
      refused?.text ?? '',
      new RegExp(`cannot reach its proxy 127\\.0\\.0\\.1:${dead} for Cal\\.com: ECONNREFUSED`),
    );
    assert.match(refused?.fix ?? '', /HTTPS_PROXY/);
  });
});
