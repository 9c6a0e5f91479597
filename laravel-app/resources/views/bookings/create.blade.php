@extends('layouts.app')

@section('title', 'New booking')

@section('content')
    <h1>New booking</h1>

    @if ($errors->any())
        <div class="alert" role="alert">
            <p>Please correct the following:</p>
            <ul>
                @foreach ($errors->all() as $error)
                    <li>{{ $error }}</li>
                @endforeach
            </ul>
        </div>
    @endif

    <form method="POST" action="{{ route('bookings.store') }}">
        @csrf
        <input type="hidden" name="idempotency_key" value="{{ old('idempotency_key', $idempotencyKey) }}">
        <input type="hidden" name="timezone" value="{{ old('timezone', $timezone) }}">

        <label for="patient_name">Patient name</label>
        <input id="patient_name" type="text" name="patient_name" value="{{ old('patient_name') }}" required maxlength="120">
        @error('patient_name')<div class="invalid-feedback">{{ $message }}</div>@enderror

        <label for="patient_email">Patient e-mail</label>
        <input id="patient_email" type="email" name="patient_email" value="{{ old('patient_email') }}" required>
        @error('patient_email')<div class="invalid-feedback">{{ $message }}</div>@enderror

        <label for="starts_at">Appointment time</label>
        <input id="starts_at" type="datetime-local" name="starts_at" value="{{ old('starts_at') }}" required>
        @error('starts_at')<div class="invalid-feedback">{{ $message }}</div>@enderror

        <label for="notes">Notes</label>
        <textarea id="notes" name="notes" rows="3">{{ old('notes') }}</textarea>

        <button type="submit">Save booking</button>
    </form>
@endsection
