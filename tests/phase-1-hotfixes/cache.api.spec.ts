// The application's Redis cache: the basic operations work with its key shape, and booking an
// appointment clears the cached availability of that day.
import { test } from '../../fixtures/index.ts';
import { cacheError } from '../../fixtures/cache.ts';
import { fillPath } from '../../fixtures/app.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Cache operations (set, get, ttl, delete)',
  check({ phase: 1, kind: 'api', covers: 'p1.cache-operations' }),
  async ({ cache, synthetic, settings }) => {
    const key = cache.cacheKey(`${synthetic.tag}:cache-check:${synthetic.next()}`);
    synthetic.trackRedisKey(key);
    const value = `ok-${Date.now()}`;
    try {
      const set = await cache.redis.set(key, value, 'EX', 60);
      if (set !== 'OK') throw new Error(`SET answered ${String(set)}`);
      const got = await cache.redis.get(key);
      if (got !== value) throw new Error(`GET returned ${JSON.stringify(got)} instead of the value just set`);
      const ttl = await cache.redis.ttl(key);
      if (ttl <= 0 || ttl > 60) throw new Error(`TTL is ${ttl} s, expected 1 to 60 s`);
      const deleted = await cache.redis.del(key);
      if (deleted !== 1) throw new Error(`DEL removed ${deleted} keys, expected 1`);
      if ((await cache.redis.exists(key)) !== 0) throw new Error('the key still exists after DEL');
    } catch (err) {
      throw cacheError(settings, new Error(`Cache operations: ${(err as Error).message}`));
    }
  },
);

test(
  'Cache invalidation: booking clears the availability cache',
  check({ phase: 1, kind: 'api', covers: 'p1.cache-invalidation' }),
  async ({ app, cache, synthetic, settings }, testInfo) => {
    const availabilityPath = requireSetting(
      settings.AVAILABILITY_PATH,
      'AVAILABILITY_PATH',
      'the availability API',
    );
    const n = synthetic.next();
    const date = synthetic.startsAt(n).toISOString().slice(0, 10);
    const cacheKey = requireSetting(
      settings.AVAILABILITY_CACHE_KEY,
      'AVAILABILITY_CACHE_KEY',
      "the cache key of a day's availability",
    );
    const key = cache.cacheKey(fillPath(cacheKey, { date }));
    try {
      const cookies = await app.login();
      const warm = await app.get(app.url(availabilityPath, { date }), {
        cookies,
        headers: { accept: 'application/json' },
      });
      if (warm.status !== 200)
        throw new Error(`Cache invalidation: GET ${availabilityPath} answered HTTP ${warm.status}`);
      if ((await cache.redis.exists(key)) !== 1) {
        throw new Error(
          `Cache invalidation: after GET ${availabilityPath} the cache key ${cache.serverKey(key)} does not exist`,
        );
      }
      // Laravel's log has whole seconds.
      const since = Date.now() - 2000;
      await app.createAppointment(n);
      if ((await cache.redis.exists(key)) !== 0) {
        throw new Error(
          `Cache invalidation: booking on ${date} left the stale cache key ${cache.serverKey(key)} in place`,
        );
      }
      if (settings.CACHE_INVALIDATION_LOG_PATTERN === undefined) {
        testInfo.annotations.push({
          type: 'note',
          description: 'Log entry not checked: CACHE_INVALIDATION_LOG_PATTERN is none',
        });
        return;
      }
      if (settings.APP_LOG_PATH === undefined) {
        // The key is gone; the log entry cannot be read from this machine (APP_LOG_PATH=none).
        testInfo.annotations.push({
          type: 'note',
          description: 'Log entry not checked: APP_LOG_PATH is none',
        });
        return;
      }
      const pattern = new RegExp(settings.CACHE_INVALIDATION_LOG_PATTERN, 'i');
      const { entries } = await app.logEntries(Math.max(1, settings.LOG_WINDOW_MINUTES));
      const logged = entries.some((e) => e.time >= since && pattern.test(e.text) && e.text.includes(date));
      if (!logged) {
        throw new Error(
          `Cache invalidation: no log entry matching "${settings.CACHE_INVALIDATION_LOG_PATTERN}" for ${date} in ${settings.APP_LOG_PATH}`,
        );
      }
    } finally {
      // The availability of a day 300 days ahead that this check warmed: cache, not data.
      await cache.redis.del(key).catch(() => 0);
    }
  },
);
