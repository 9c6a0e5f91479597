<?php

namespace App\Jobs;

use App\Models\Booking;
use App\Services\CalcomClient;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use Illuminate\Support\Facades\Log;

class SyncBookingToCalcom implements ShouldQueue
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels;

    public $tries = 5;

    public $backoff = [5, 15, 60, 120];

    public function __construct(public Booking $booking)
    {
    }

    public function handle(CalcomClient $calcom)
    {
        if ($this->booking->cal_uid !== null) {
            return;
        }

        $data = $calcom->createBooking([
            'start' => $this->booking->starts_at->clone()->utc()->format('Y-m-d\TH:i:s\Z'),
            'eventTypeId' => $calcom->eventTypeId(),
            'attendee' => [
                'name' => $this->booking->patient_name,
                'email' => $this->booking->patient_email,
                'timeZone' => $this->booking->timezone,
                'language' => 'en',
            ],
            'metadata' => [
                'bookingId' => (string) $this->booking->id,
                'idempotencyKey' => $this->booking->idempotency_key,
            ],
        ]);

        $this->booking->forceFill([
            'cal_uid' => $data['uid'],
            'status' => Booking::STATUS_CONFIRMED,
            'synced_at' => now(),
        ])->save();

        Log::info('Booking synced to Cal.com', ['booking_id' => $this->booking->id, 'cal_uid' => $data['uid']]);
    }
}
