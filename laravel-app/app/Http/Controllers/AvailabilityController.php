<?php

namespace App\Http\Controllers;

use App\Models\Booking;
use Illuminate\Http\Request;
use Illuminate\Support\Carbon;
use Illuminate\Support\Facades\Cache;

class AvailabilityController extends Controller
{
    public function __invoke(Request $request)
    {
        $request->validate(['date' => ['required', 'date_format:Y-m-d']]);
        $date = $request->query('date');

        $slots = Cache::remember("availability:{$date}", 300, function () use ($date) {
            $tz = config('clinic.timezone');
            $from = Carbon::parse("{$date} ".config('clinic.opens'), $tz);
            $until = Carbon::parse("{$date} ".config('clinic.closes'), $tz);
            $appTz = config('app.timezone');
            $taken = Booking::whereBetween('starts_at', [$from->clone()->setTimezone($appTz), $until->clone()->setTimezone($appTz)])
                ->where('status', '!=', Booking::STATUS_CANCELLED)
                ->pluck('starts_at')
                ->map(fn ($t) => $t->clone()->utc()->toIso8601String())
                ->all();
            $slots = [];
            for ($t = $from->clone(); $t < $until; $t->addMinutes(config('clinic.slot_minutes'))) {
                $start = $t->clone()->utc()->toIso8601String();
                if (! in_array($start, $taken, true)) {
                    $slots[] = $start;
                }
            }

            return $slots;
        });

        return response()->json(['date' => $date, 'slots' => $slots]);
    }
}
