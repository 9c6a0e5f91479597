<?php

// Debian's php-laravel-framework stands in for vendor/autoload.php (no composer on the host):
// the framework from /usr/share/php, Guzzle for the Http client (Debian's Illuminate loader
// probes the wrong path for it), and the PSR-4 map of composer.json for our own classes.

require_once 'Illuminate/autoload.php';
require_once 'GuzzleHttp/autoload.php';

spl_autoload_register(function (string $class): void {
    static $map = [
        'App\\' => __DIR__.'/../app/',
        'Database\\Seeders\\' => __DIR__.'/../database/seeders/',
    ];
    foreach ($map as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {
            $file = $dir.str_replace('\\', '/', substr($class, strlen($prefix))).'.php';
            if (is_file($file)) {
                require $file;
            }

            return;
        }
    }
});
