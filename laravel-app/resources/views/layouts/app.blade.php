<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="csrf-token" content="{{ csrf_token() }}">
    <title>@yield('title') · {{ config('app.name') }}</title>
    <style>
        body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1f2933; }
        header { background: #1f4e79; color: #fff; padding: .75rem 1.5rem; display: flex; justify-content: space-between; align-items: center; }
        header a, header button { color: #fff; background: none; border: 0; font: inherit; cursor: pointer; }
        main { max-width: 40rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input, textarea { width: 100%; padding: .5rem; box-sizing: border-box; margin-top: .25rem; }
        button[type=submit] { margin-top: 1.5rem; padding: .6rem 1.2rem; background: #1f4e79; color: #fff; border: 0; border-radius: 4px; }
        .alert { background: #fdecea; border: 1px solid #f5c2c0; padding: .75rem 1rem; border-radius: 4px; }
        .alert-success { background: #e6f4ea; border-color: #b7dfc1; }
        .invalid-feedback { color: #b42318; font-size: .9rem; }
    </style>
</head>
<body>
<header>
    <strong>{{ config('app.name') }}</strong>
    @auth
        <form method="POST" action="{{ route('logout') }}">
            @csrf
            <button type="submit">Log out</button>
        </form>
    @endauth
</header>
<main>
    @if (session('status'))
        <div class="alert alert-success">{{ session('status') }}</div>
    @endif
    @yield('content')
</main>
</body>
</html>
