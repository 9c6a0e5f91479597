<?php

namespace App\Console\Commands;

use App\Jobs\RecordQueueHeartbeat;
use Illuminate\Console\Command;

class QueueHeartbeat extends Command
{
    protected $signature = 'health:queue-heartbeat {--loop : Keep dispatching every clinic.heartbeat_every seconds}';

    protected $description = 'Dispatch the job that records the queue heartbeat';

    public function handle()
    {
        do {
            RecordQueueHeartbeat::dispatch();
            if ($this->option('loop')) {
                sleep(max(1, config('clinic.heartbeat_every')));
            }
        } while ($this->option('loop'));

        return 0;
    }
}
