// The proxy this machine reaches Cal.com's API and the Slack webhook through (HTTPS_PROXY,
// HTTP_PROXY, NO_PROXY), as undici's EnvHttpProxyAgent applies it. The settings are handed over
// explicitly, so a proxy set in `.env` counts as one set in the environment. Loopback is always
// reached directly: the sandbox and its Cal.com stand-in live there. The target application,
// its database and Redis are never proxied.
import type { Env } from './env.ts';

type ProxySettings = Pick<Env, 'HTTPS_PROXY' | 'HTTP_PROXY' | 'NO_PROXY'>;

/** EnvHttpProxyAgent's options; '' stops it from reading the variables itself. */
export interface ProxyOptions {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function proxyOptions(s: ProxySettings): ProxyOptions {
  const noProxy = (s.NO_PROXY ?? '').trim();
  return {
    httpProxy: s.HTTP_PROXY ?? '',
    httpsProxy: s.HTTPS_PROXY ?? s.HTTP_PROXY ?? '',
    // `*` alone means "never proxy": EnvHttpProxyAgent reads it only as the whole value.
    noProxy: noProxy === '*' ? '*' : [noProxy, ...LOOPBACK].filter(Boolean).join(','),
  };
}

/** The proxy a request to `url` goes through, or null when it goes directly (or `url` is no URL). */
export function proxyFor(s: ProxySettings, url: string): URL | null {
  const o = proxyOptions(s);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return null;
  }
  const proxy = target.protocol === 'https:' ? o.httpsProxy : o.httpProxy;
  if (!proxy || o.noProxy === '*') return null;
  const host = target.hostname.toLowerCase();
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  for (const raw of o.noProxy.split(/[,\s]/)) {
    if (!raw) continue;
    const m = /^(.+):(\d+)$/.exec(raw);
    if (m && Number(m[2]) !== port) continue;
    const entry = (m ? m[1]! : raw).replace(/^\*?\./, '').toLowerCase();
    if (host === entry || host.endsWith(`.${entry}`)) return null;
  }
  try {
    return new URL(proxy);
  } catch {
    return null;
  }
}

/** "proxy 10.0.0.5:3128": where a proxy is, without its credentials. */
export function proxyName(proxy: URL): string {
  return `proxy ${proxy.host}`;
}
