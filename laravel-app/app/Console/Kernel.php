<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    protected $commands = [
        Commands\QueueHeartbeat::class,
    ];

    protected function schedule(Schedule $schedule)
    {
        // Where cron runs `schedule:run`; `health:queue-heartbeat --loop` does the same every
        // few seconds for the reference deployment.
        $schedule->command('health:queue-heartbeat')->everyMinute();
    }

    protected function commands()
    {
        require base_path('routes/console.php');
    }
}
