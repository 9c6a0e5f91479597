<?php

namespace App\Exceptions;

use App\Services\Metrics;
use Illuminate\Foundation\Exceptions\Handler as ExceptionHandler;
use Throwable;

class Handler extends ExceptionHandler
{
    protected $dontReport = [];

    protected $dontFlash = [
        'current_password',
        'password',
        'password_confirmation',
    ];

    public function register()
    {
        $this->reportable(function (Throwable $e) {
            try {
                app(Metrics::class)->countError();
            } catch (Throwable) {
                // Redis down must not hide the original error, which is logged next.
            }
        });
    }
}
