<?php

namespace Database\Seeders;

use App\Jobs\SyncBookingToCalcom;
use App\Models\Booking;
use App\Models\User;
use Illuminate\Database\Seeder;
use Illuminate\Support\Str;

/**
 * A week of the clinic's appointments around the day of the first deploy, each synced to
 * Cal.com by the same queued job a booking made at the desk dispatches. Runs once: a database
 * that has them keeps them as they are.
 */
class BookingSeeder extends Seeder
{
    public const NOTE = 'Imported from the paper diary';

    private const PATIENTS = [
        ['Amira Haddad', 'amira.haddad@example.org'],
        ['Bruno Keller', 'bruno.keller@example.org'],
        ['Chiara Rossi', 'chiara.rossi@example.org'],
        ['Daniel Okafor', 'daniel.okafor@example.org'],
        ['Elin Svensson', 'elin.svensson@example.org'],
        ['Farid Rahimi', 'farid.rahimi@example.org'],
        ['Greta Novak', 'greta.novak@example.org'],
        ['Hiroshi Tanaka', 'hiroshi.tanaka@example.org'],
        ['Ines Duarte', 'ines.duarte@example.org'],
        ['Jonas Weber', 'jonas.weber@example.org'],
    ];

    public function run()
    {
        if (Booking::where('notes', self::NOTE)->exists()) {
            return;
        }
        $user = User::where('email', config('clinic.seed_user.email'))->firstOrFail();
        $today = now(config('clinic.timezone'))->startOfDay();

        foreach (self::PATIENTS as $i => [$name, $email]) {
            $startsAt = $today->clone()->addDays($i - 4)->setTime(9 + ($i % 7), 30 * ($i % 2))
                ->setTimezone(config('app.timezone'));
            $booking = Booking::create([
                'user_id' => $user->id,
                'patient_name' => $name,
                'patient_email' => $email,
                'starts_at' => $startsAt,
                'ends_at' => $startsAt->clone()->addMinutes(config('clinic.slot_minutes')),
                'timezone' => config('clinic.timezone'),
                'status' => Booking::STATUS_PENDING,
                'idempotency_key' => (string) Str::uuid(),
                'notes' => self::NOTE,
            ]);
            SyncBookingToCalcom::dispatch($booking);
        }
    }
}
