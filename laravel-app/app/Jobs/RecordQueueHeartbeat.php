<?php

namespace App\Jobs;

use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Support\Facades\Cache;

/**
 * Proves the worker runs, as spatie/laravel-health's HealthQueueJob does: the time the worker
 * got to this job, in the cache.
 */
class RecordQueueHeartbeat implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable;

    public const CACHE_KEY = 'health:checks:queue:latestHeartbeatAt';

    public function handle()
    {
        Cache::forever(self::CACHE_KEY, now()->toIso8601String());
    }
}
