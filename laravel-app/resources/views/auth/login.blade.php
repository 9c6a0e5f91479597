@extends('layouts.app')

@section('title', 'Log in')

@section('content')
    <h1>Front desk login</h1>

    @if ($errors->any())
        <div class="alert" role="alert">
            <ul>
                @foreach ($errors->all() as $error)
                    <li>{{ $error }}</li>
                @endforeach
            </ul>
        </div>
    @endif

    <form method="POST" action="{{ url('/login') }}">
        @csrf
        <label for="email">E-mail address</label>
        <input id="email" type="email" name="email" value="{{ old('email') }}" required autocomplete="email" autofocus>

        <label for="password">Password</label>
        <input id="password" type="password" name="password" required autocomplete="current-password">

        <label><input type="checkbox" name="remember" style="width:auto"> Remember me</label>

        <button type="submit">Sign in</button>
    </form>
@endsection
