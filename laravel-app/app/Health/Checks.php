<?php

namespace App\Health;

use App\Jobs\RecordQueueHeartbeat;
use App\Services\CalcomClient;
use Illuminate\Support\Carbon;
use Illuminate\Support\Facades\Cache;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Redis;
use Illuminate\Support\Str;
use Throwable;

/**
 * The checks spatie/laravel-health would run here (DatabaseCheck, RedisCheck, CacheCheck,
 * QueueCheck, PingCheck), written out because the package is not installed.
 */
class Checks
{
    public function __construct(private CalcomClient $calcom)
    {
    }

    /** @return CheckResult[] */
    public function run(): array
    {
        $results = [];
        foreach ([
            'Database' => fn () => $this->database(),
            'Redis' => fn () => $this->redis(),
            'Cache' => fn () => $this->cache(),
            'Queue' => fn () => $this->queue(),
            'CalcomApi' => fn () => $this->calcom(),
        ] as $name => $check) {
            try {
                $results[] = $check();
            } catch (Throwable $e) {
                report($e);
                $results[] = CheckResult::crashed($name, Str::headline($name), $e);
            }
        }

        return $results;
    }

    private function database(): CheckResult
    {
        try {
            DB::connection()->getPdo();
            DB::select('select 1');
        } catch (Throwable $e) {
            return CheckResult::failed('Database', 'Database', "Could not connect to the database: `{$e->getMessage()}`", 'Failed', ['connection_name' => config('database.default')]);
        }

        return CheckResult::ok('Database', 'Database', 'Ok', ['connection_name' => config('database.default')]);
    }

    private function redis(): CheckResult
    {
        try {
            $pong = Redis::connection('default')->ping();
        } catch (Throwable $e) {
            return CheckResult::failed('Redis', 'Redis', "An exception occurred when connecting to Redis: `{$e->getMessage()}`", 'Failed', ['connectionName' => 'default']);
        }

        return $pong
            ? CheckResult::ok('Redis', 'Redis', 'Ok', ['connectionName' => 'default'])
            : CheckResult::failed('Redis', 'Redis', 'Redis returned a falsy response when trying to ping.', 'Failed', ['connectionName' => 'default']);
    }

    private function cache(): CheckResult
    {
        $key = 'laravel-health:check';
        $value = Str::random(5);
        try {
            Cache::put($key, $value, 10);
            $ok = Cache::get($key) === $value;
            Cache::forget($key);
        } catch (Throwable $e) {
            return CheckResult::failed('Cache', 'Cache', "An exception occurred with the application cache: `{$e->getMessage()}`", 'Failed', ['driver' => config('cache.default')]);
        }

        return $ok
            ? CheckResult::ok('Cache', 'Cache', 'Ok', ['driver' => config('cache.default')])
            : CheckResult::failed('Cache', 'Cache', 'Could not set or retrieve an application cache value.', 'Failed', ['driver' => config('cache.default')]);
    }

    private function queue(): CheckResult
    {
        $queue = config('queue.connections.redis.queue');
        $raw = Cache::get(RecordQueueHeartbeat::CACHE_KEY);
        if (! $raw) {
            return CheckResult::failed('Queue', 'Queue', "The `{$queue}` queue did not run yet.", 'Failed', ['queue' => $queue]);
        }
        $at = Carbon::parse($raw);
        $max = config('clinic.heartbeat_max_age_minutes');
        $meta = ['queue' => $queue, 'latestHeartbeatAt' => $at->toIso8601String()];
        if ($at->lt(now()->subMinutes($max))) {
            return CheckResult::failed('Queue', 'Queue', "The last run of the `{$queue}` queue was more than {$max} minutes ago.", 'Failed', $meta);
        }

        return CheckResult::ok('Queue', 'Queue', 'Ok', $meta);
    }

    private function calcom(): CheckResult
    {
        $url = config('services.calcom.url');
        try {
            $response = $this->calcom->ping();
        } catch (Throwable $e) {
            return CheckResult::failed('CalcomApi', 'Cal.com API', "Pinging Cal.com API failed: {$e->getMessage()}", 'Unreachable', ['url' => $url]);
        }

        return $response->successful()
            ? CheckResult::ok('CalcomApi', 'Cal.com API', 'Reachable', ['url' => $url])
            : CheckResult::failed('CalcomApi', 'Cal.com API', "Pinging Cal.com API failed: HTTP {$response->status()}", 'Unreachable', ['url' => $url, 'status' => $response->status()]);
    }
}
