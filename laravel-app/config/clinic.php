<?php

return [
    // Opening hours the availability endpoint offers, in the clinic's timezone.
    'timezone' => env('CLINIC_TIMEZONE', 'UTC'),
    'opens' => '09:00',
    'closes' => '17:00',
    'slot_minutes' => 30,

    // The seeded front-desk account (DatabaseSeeder).
    'seed_user' => [
        'name' => 'Front Desk',
        'email' => env('SEED_USER_EMAIL', 'reception@clinic.test'),
        'password' => env('SEED_USER_PASSWORD', 'front-desk-password'),
    ],

    // How often health:queue-heartbeat dispatches the heartbeat job, in seconds.
    'heartbeat_every' => (int) env('QUEUE_HEARTBEAT_EVERY', 10),
    // spatie/laravel-health's QueueCheck default: failed when the heartbeat is older.
    'heartbeat_max_age_minutes' => 5,
];
