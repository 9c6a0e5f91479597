<?php

namespace App\Services;

use Illuminate\Http\Client\PendingRequest;
use Illuminate\Http\Client\Response;
use Illuminate\Support\Facades\Http;

class CalcomClient
{
    public function __construct(private array $config)
    {
    }

    private function request(): PendingRequest
    {
        return Http::baseUrl(rtrim($this->config['url'], '/'))
            ->withToken((string) $this->config['key'])
            ->withHeaders(['cal-api-version' => $this->config['version']])
            ->acceptJson()
            ->timeout($this->config['timeout']);
    }

    /**
     * Creates the booking; throws (RequestException) on anything but success so the job retries.
     */
    public function createBooking(array $body): array
    {
        return $this->request()->post('/v2/bookings', $body)->throw()->json('data');
    }

    /** One cheap call that proves the API answers and accepts our key. */
    public function ping(): Response
    {
        return $this->request()->timeout(3)->get('/v2/bookings', ['take' => 1]);
    }

    public function eventTypeId(): int
    {
        return $this->config['event_type_id'];
    }
}
