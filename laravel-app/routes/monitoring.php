<?php

// Polled by load balancers and Prometheus: no session, no cookies.

use App\Http\Controllers\HealthCheckJsonResultsController;
use App\Http\Controllers\MetricsController;
use Illuminate\Support\Facades\Route;

Route::get('/health', HealthCheckJsonResultsController::class)->name('health');
Route::get('/up', fn () => response()->view('up'));
Route::get('/metrics', MetricsController::class);
