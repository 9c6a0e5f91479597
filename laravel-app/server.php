<?php

// The router for `php -S`: files under public/ are served as they are, everything else goes to
// the framework (without a router the built-in server answers 404 for paths like /x.json).

$uri = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');

if ($uri !== '/' && file_exists(__DIR__.'/public'.$uri) && ! is_dir(__DIR__.'/public'.$uri)) {
    return false;
}

require_once __DIR__.'/public/index.php';
