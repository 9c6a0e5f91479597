<?php

namespace App\Http\Controllers;

use App\Health\Checks;
use App\Health\CheckResult;

/** spatie/laravel-health's JSON results: 200 whatever the checks found, as the package does. */
class HealthCheckJsonResultsController extends Controller
{
    public function __invoke(Checks $checks)
    {
        $results = $checks->run();

        return response()->json([
            'finishedAt' => now()->getTimestamp(),
            'checkResults' => array_map(fn (CheckResult $r) => $r->toArray(), $results),
        ])->header('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0');
    }
}
