// Redis with Laravel's key shapes (CALCOM.md): the connection prefix starts every key, the cache
// prefix with `:` appended starts every cache key, queues live at `<prefix>queues:<name>`.
import { Redis } from 'ioredis';

export interface KeyShapes {
  redisPrefix: string;
  cachePrefix: string;
  queue: string;
}

export function keys(k: KeyShapes) {
  return {
    availability: (date: string) => `${k.redisPrefix}${k.cachePrefix}:availability:${date}`,
    queue: `${k.redisPrefix}queues:${k.queue}`,
    heartbeat: `${k.redisPrefix}worker:heartbeat`,
  };
}

export type Keys = ReturnType<typeof keys>;

export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  // Reported by the failing command (and by detailed health); never crash the app.
  redis.on('error', () => undefined);
  return redis;
}
