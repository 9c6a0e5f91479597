<?php

namespace App\Http\Controllers;

use App\Services\Metrics;
use Illuminate\Support\Facades\Queue;

class MetricsController extends Controller
{
    public function __invoke(Metrics $metrics)
    {
        $queue = config('queue.connections.redis.queue');

        return response($metrics->render(Queue::connection('redis')->size($queue), $queue))
            ->header('Content-Type', 'text/plain; version=0.0.4');
    }
}
