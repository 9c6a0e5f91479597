<?php

namespace App\Services;

use Illuminate\Support\Facades\Redis;

/**
 * Prometheus counters shared by every PHP process, kept in Redis hashes (the `cache`
 * connection, so they never sit beside the queue).
 */
class Metrics
{
    private const REQUESTS = 'metrics:http_requests';
    private const ERRORS = 'metrics:errors';
    private const BOOKINGS = 'metrics:bookings';

    private function redis()
    {
        return Redis::connection('cache');
    }

    public function countRequest(string $method, string $route, int $status): void
    {
        $this->redis()->hincrby(self::REQUESTS, $method.' '.$route, 1);
        if ($status >= 500) {
            $this->redis()->hincrby(self::ERRORS, 'http_5xx', 1);
        }
    }

    public function countError(): void
    {
        $this->redis()->hincrby(self::ERRORS, 'exception', 1);
    }

    public function countBooking(string $outcome): void
    {
        $this->redis()->hincrby(self::BOOKINGS, $outcome, 1);
    }

    public function render(int $queueSize, string $queue): string
    {
        $lines = [
            '# HELP app_http_requests_total HTTP requests handled, by method and route.',
            '# TYPE app_http_requests_total counter',
        ];
        foreach ($this->redis()->hgetall(self::REQUESTS) ?: [] as $key => $count) {
            [$method, $route] = explode(' ', $key, 2);
            $lines[] = sprintf('app_http_requests_total{method="%s",route="%s"} %d', $method, addslashes($route), $count);
        }
        $errors = $this->redis()->hgetall(self::ERRORS) ?: [];
        $lines[] = '# HELP app_errors_total Reported exceptions and 5xx responses.';
        $lines[] = '# TYPE app_errors_total counter';
        $lines[] = sprintf('app_errors_total{kind="exception"} %d', $errors['exception'] ?? 0);
        $lines[] = sprintf('app_errors_total{kind="http_5xx"} %d', $errors['http_5xx'] ?? 0);
        $lines[] = '# HELP app_bookings_total Bookings taken, by outcome.';
        $lines[] = '# TYPE app_bookings_total counter';
        foreach ($this->redis()->hgetall(self::BOOKINGS) ?: [] as $outcome => $count) {
            $lines[] = sprintf('app_bookings_total{outcome="%s"} %d', $outcome, $count);
        }
        $lines[] = '# HELP app_queue_size Jobs waiting on the Redis queue.';
        $lines[] = '# TYPE app_queue_size gauge';
        $lines[] = sprintf('app_queue_size{queue="%s"} %d', $queue, $queueSize);

        return implode("\n", $lines)."\n";
    }
}
