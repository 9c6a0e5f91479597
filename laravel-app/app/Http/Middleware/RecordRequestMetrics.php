<?php

namespace App\Http\Middleware;

use App\Services\Metrics;
use Closure;
use Illuminate\Http\Request;

class RecordRequestMetrics
{
    public function __construct(private Metrics $metrics)
    {
    }

    public function handle(Request $request, Closure $next)
    {
        return $next($request);
    }

    public function terminate(Request $request, $response): void
    {
        $route = $request->route();
        $uri = $route ? '/'.ltrim($route->uri(), '/') : 'unmatched';
        $this->metrics->countRequest($request->method(), $uri, $response->getStatusCode());
    }
}
