// Setup's PHP decision (pure) and its probe on this machine: PHP is installed when the reference
// Laravel app needs it and setup can, and otherwise the message says what to run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decidePhp,
  PHP_INSTALL_HINT,
  PHP_PACKAGES,
  phpNeedForTestFiles,
  type PhpFacts,
} from '../scripts/setup/decide.ts';
import { onPath, probePhp } from '../scripts/setup/probe.ts';

const base: PhpFacts = { need: 'required', missing: [], root: true, aptAvailable: true, aptTried: false };

describe('decidePhp (pure)', () => {
  test('nothing to do when skipped or complete', () => {
    assert.deepEqual(decidePhp({ ...base, need: 'skip', missing: ['php-cli'] }), { action: 'skip' });
    assert.deepEqual(decidePhp(base), { action: 'ok' });
    assert.deepEqual(decidePhp({ ...base, need: 'optional' }), { action: 'ok' });
  });

  test('root with apt installs exactly the missing packages, once', () => {
    assert.deepEqual(decidePhp({ ...base, missing: ['php-redis', 'php-curl'] }), {
      action: 'apt-install',
      packages: ['php-redis', 'php-curl'],
    });
    assert.deepEqual(decidePhp({ ...base, need: 'optional', missing: ['php-cli'] }), {
      action: 'apt-install',
      packages: ['php-cli'],
    });
    const after = decidePhp({ ...base, missing: ['php-cli'], aptTried: true });
    assert.equal(after.action, 'fail');
    assert.match((after as { message: string }).message, /apt-get could not install it/);
  });

  test('required fails and optional warns, each saying why and what to run', () => {
    const cases: [Partial<PhpFacts>, RegExp][] = [
      [{ root: false }, /does not run as root/],
      [{ aptAvailable: false }, /has no apt-get/],
    ];
    for (const [facts, why] of cases) {
      const required = decidePhp({ ...base, ...facts, missing: ['php-cli', 'php-laravel-framework'] });
      assert.equal(required.action, 'fail');
      const message = (required as { message: string }).message;
      assert.match(message, why);
      assert.match(message, /missing \(php-cli, php-laravel-framework\)/);
      assert.ok(message.endsWith(PHP_INSTALL_HINT));
      const optional = decidePhp({ ...base, ...facts, need: 'optional', missing: ['php-cli'] });
      assert.equal(optional.action, 'warn');
    }
    assert.match(PHP_INSTALL_HINT, new RegExp(`apt-get install -y ${PHP_PACKAGES.join(' ')}`));
    assert.match(PHP_INSTALL_HINT, /npm run demo/);
  });

  test('npm test needs PHP only when a selected file runs the Laravel app', () => {
    assert.equal(
      phpNeedForTestFiles(['selftest/config.test.ts', 'selftest/laravel-app.test.ts']),
      'required',
    );
    assert.equal(phpNeedForTestFiles(['/abs/selftest/laravel-fault-matrix.test.ts']), 'required');
    assert.equal(phpNeedForTestFiles(['selftest/config.test.ts']), 'skip');
    assert.equal(phpNeedForTestFiles(['laravel-notes/config.test.ts']), 'skip');
  });
});

describe('probePhp', () => {
  test('reports every package missing without php on PATH, none on a complete install', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.deepEqual(await probePhp(PHP_PACKAGES), [...PHP_PACKAGES]);
    } finally {
      process.env.PATH = saved;
    }
    // npm test with the Laravel tests has had setup install PHP; a machine without it skips this half.
    if (onPath('php')) assert.deepEqual(await probePhp(PHP_PACKAGES), []);
  });
});
