<?php

return [
    // Cal.com API v2: bookings are created by the queued SyncBookingToCalcom job; webhooks
    // arrive at /webhooks/calcom signed with the subscription's secret.
    'calcom' => [
        'url' => env('CALCOM_API_URL', 'https://api.cal.com'),
        'key' => env('CALCOM_API_KEY'),
        'version' => '2024-08-13',
        'event_type_id' => (int) env('CALCOM_EVENT_TYPE_ID', 1),
        'webhook_secret' => env('CALCOM_WEBHOOK_SECRET'),
        'timeout' => (int) env('CALCOM_TIMEOUT', 5),
    ],
];
