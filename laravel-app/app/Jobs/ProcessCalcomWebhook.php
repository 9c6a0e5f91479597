<?php

namespace App\Jobs;

use App\Models\Booking;
use App\Models\WebhookCall;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use Illuminate\Support\Facades\Log;

class ProcessCalcomWebhook implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels;

    public function __construct(public WebhookCall $call)
    {
    }

    public function handle()
    {
        $payload = $this->call->payload['payload'] ?? [];
        $uid = $payload['uid'] ?? null;
        $booking = $uid ? Booking::where('cal_uid', $uid)->first() : null;
        if (! $booking && isset($payload['metadata']['bookingId'])) {
            $booking = Booking::find((int) $payload['metadata']['bookingId']);
        }

        switch ($this->call->trigger_event) {
            case 'BOOKING_CREATED':
                // The sync job normally stored the uid already; a webhook that wins the race does it.
                if ($booking && $booking->cal_uid === null) {
                    $booking->forceFill(['cal_uid' => $uid, 'status' => Booking::STATUS_CONFIRMED, 'synced_at' => now()])->save();
                }
                break;
            case 'BOOKING_CANCELLED':
                if ($booking) {
                    $booking->forceFill(['status' => Booking::STATUS_CANCELLED])->save();
                }
                break;
        }

        $this->call->forceFill(['processed_at' => now()])->save();
        Log::info('Cal.com webhook processed', ['trigger' => $this->call->trigger_event, 'booking_id' => $booking?->id]);
    }
}
