<?php

use App\Http\Controllers\AvailabilityController;
use Illuminate\Support\Facades\Route;

Route::get('/availability', AvailabilityController::class)->name('availability');
