<?php

namespace App\Http\Controllers;

use App\Jobs\ProcessCalcomWebhook;
use App\Models\WebhookCall;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Log;

class CalcomWebhookController extends Controller
{
    public function __invoke(Request $request)
    {
        $body = $request->getContent();
        $secret = (string) config('services.calcom.webhook_secret');
        $expected = hash_hmac('sha256', $body, $secret !== '' ? $secret : 'no-secret-provided');
        if (! hash_equals($expected, (string) $request->header('X-Cal-Signature-256'))) {
            Log::warning('Cal.com webhook rejected: bad signature', ['ip' => $request->ip()]);

            return response()->json(['message' => 'Invalid signature.'], 401);
        }

        $event = json_decode($body, true);
        if (! is_array($event) || ! isset($event['triggerEvent'])) {
            return response()->json(['message' => 'Malformed payload.'], 400);
        }
        $uid = $event['payload']['uid'] ?? null;
        $dedupKey = hash('sha256', implode('|', [$event['triggerEvent'], $uid, $event['createdAt'] ?? '']));

        $inserted = DB::table('webhook_calls')->insertOrIgnore([
            'name' => 'calcom',
            'dedup_key' => $dedupKey,
            'trigger_event' => $event['triggerEvent'],
            'booking_uid' => $uid,
            'payload' => $body,
            'created_at' => now(),
            'updated_at' => now(),
        ]);
        if ($inserted === 0) {
            Log::info('Cal.com webhook ignored: duplicate', ['trigger' => $event['triggerEvent']]);

            return response()->json(['status' => 'duplicate']);
        }

        $call = WebhookCall::where('dedup_key', $dedupKey)->firstOrFail();
        ProcessCalcomWebhook::dispatch($call);
        Log::info("Cal.com webhook received: {$event['triggerEvent']}", ['webhook_call_id' => $call->id]);

        return response()->json(['status' => 'queued']);
    }
}
