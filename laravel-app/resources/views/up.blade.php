<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>{{ config('app.name') }}</title>
</head>
<body>
    <h1>Application up</h1>
    <p>HTTP request received. Response rendered in {{ round((microtime(true) - LARAVEL_START) * 1000) }}ms.</p>
</body>
</html>
