<?php

namespace Database\Seeders;

use App\Models\User;
use Illuminate\Database\Seeder;
use Illuminate\Support\Facades\Hash;

class DatabaseSeeder extends Seeder
{
    /**
     * Idempotent: an existing account and existing bookings are left exactly as they are.
     */
    public function run()
    {
        $account = config('clinic.seed_user');

        User::firstOrCreate(
            ['email' => $account['email']],
            ['name' => $account['name'], 'password' => Hash::make($account['password'])]
        );

        $this->call(BookingSeeder::class);
    }
}
