@extends('layouts.app')

@section('title', 'Booking #'.$booking->id)

@section('content')
    <h1>Booking #{{ $booking->id }}</h1>

    <p><strong>Patient:</strong> {{ $booking->patient_name }} ({{ $booking->patient_email }})</p>
    <p><strong>When:</strong> {{ $booking->starts_at->clone()->setTimezone($booking->timezone)->format('D j M Y, H:i') }} ({{ $booking->timezone }})</p>
    <p><strong>Status:</strong> {{ ucfirst($booking->status) }}</p>
    <p><strong>Cal.com UID:</strong> {{ $booking->cal_uid ?? 'not synced yet' }}</p>
    <p><strong>Idempotency key:</strong> {{ $booking->idempotency_key }}</p>
    @if ($booking->notes)
        <p><strong>Notes:</strong> {{ $booking->notes }}</p>
    @endif

    <p><a href="{{ route('bookings.create') }}">New booking</a></p>
@endsection
