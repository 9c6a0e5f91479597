<?php

namespace App\Http\Controllers;

use App\Jobs\SyncBookingToCalcom;
use App\Models\Booking;
use App\Services\Metrics;
use Illuminate\Http\Request;
use Illuminate\Support\Carbon;
use Illuminate\Support\Facades\Cache;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Log;
use Illuminate\Support\Str;

class BookingController extends Controller
{
    public function create()
    {
        return view('bookings.create', [
            // A fresh key per render: submitting the same form twice books once.
            'idempotencyKey' => (string) Str::uuid(),
            'timezone' => config('clinic.timezone'),
        ]);
    }

    public function store(Request $request, Metrics $metrics)
    {
        $data = $request->validate([
            'patient_name' => ['required', 'string', 'max:120'],
            'patient_email' => ['required', 'email', 'max:190'],
            'starts_at' => ['required', 'date', 'after:now'],
            'timezone' => ['required', 'timezone'],
            'idempotency_key' => ['required', 'uuid'],
            'notes' => ['nullable', 'string', 'max:1000'],
        ], [
            'starts_at.after' => 'Please choose a start time in the future.',
        ]);

        $existing = Booking::where('idempotency_key', $data['idempotency_key'])->first();
        if ($existing) {
            return $this->created($request, $existing, 200);
        }

        // Stored as Eloquent stores every date: wall-clock time in the app's timezone.
        $startsAt = Carbon::parse($data['starts_at'], $data['timezone'])->setTimezone(config('app.timezone'));
        $booking = DB::transaction(fn () => Booking::create([
            'user_id' => $request->user()->id,
            'patient_name' => $data['patient_name'],
            'patient_email' => $data['patient_email'],
            'starts_at' => $startsAt,
            'ends_at' => $startsAt->clone()->addMinutes(config('clinic.slot_minutes')),
            'timezone' => $data['timezone'],
            'status' => Booking::STATUS_PENDING,
            'idempotency_key' => $data['idempotency_key'],
            'notes' => $data['notes'] ?? null,
        ]));

        SyncBookingToCalcom::dispatch($booking);

        $date = $startsAt->clone()->setTimezone(config('clinic.timezone'))->toDateString();
        Cache::forget("availability:{$date}");
        Log::info("Availability cache invalidated for {$date}", ['booking_id' => $booking->id]);
        Log::info('Booking created', ['booking_id' => $booking->id]);
        $metrics->countBooking('created');

        return $this->created($request, $booking, 201);
    }

    public function show(Booking $booking)
    {
        return view('bookings.show', ['booking' => $booking]);
    }

    private function created(Request $request, Booking $booking, int $status)
    {
        if ($request->wantsJson()) {
            return response()->json([
                'data' => $booking->only(['id', 'status', 'cal_uid', 'idempotency_key', 'starts_at']),
            ], $status);
        }

        return redirect()->route('bookings.show', $booking)->with('status', 'Booking saved.');
    }
}
