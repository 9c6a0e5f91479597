<?php

namespace App\Providers;

use App\Services\CalcomClient;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    public function register()
    {
        $this->app->singleton(CalcomClient::class, fn () => new CalcomClient(config('services.calcom')));
    }

    public function boot()
    {
    }
}
