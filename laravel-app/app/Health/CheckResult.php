<?php

namespace App\Health;

/** One row of spatie/laravel-health's JSON (`checkResults[]`). */
class CheckResult
{
    public function __construct(
        public string $name,
        public string $label,
        public string $status,
        public string $notificationMessage = '',
        public string $shortSummary = '',
        public array $meta = [],
    ) {
    }

    public static function ok(string $name, string $label, string $summary, array $meta = []): self
    {
        return new self($name, $label, 'ok', '', $summary, $meta);
    }

    public static function failed(string $name, string $label, string $message, string $summary, array $meta = []): self
    {
        return new self($name, $label, 'failed', $message, $summary, $meta);
    }

    public static function crashed(string $name, string $label, \Throwable $e): self
    {
        return new self($name, $label, 'crashed', "The check crashed: {$e->getMessage()}", 'Crashed', []);
    }

    public function toArray(): array
    {
        return [
            'name' => $this->name,
            'label' => $this->label,
            'notificationMessage' => $this->notificationMessage,
            'shortSummary' => $this->shortSummary,
            'status' => $this->status,
            'meta' => (object) $this->meta,
        ];
    }
}
