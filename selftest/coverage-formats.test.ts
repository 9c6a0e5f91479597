// Test coverage from what a project's CI produces (fixtures/coverage-formats.ts), without a
// server: PHPUnit's Clover XML, Cobertura XML and istanbul's coverage-summary.json, told apart by
// content, and the strict XML reader that comments, CDATA and file-level metrics cannot fool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coverageLinesPct, coverageSource, readCoverage, readXml } from '../fixtures/coverage-formats.ts';

/** What `phpunit --coverage-clover coverage.xml` writes (shortened). */
const CLOVER = `<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1764237600">
  <project timestamp="1764237600">
    <package name="App\\Http\\Controllers">
      <file name="/var/www/app/app/Http/Controllers/AppointmentController.php">
        <class name="App\\Http\\Controllers\\AppointmentController" namespace="App\\Http\\Controllers">
          <metrics complexity="9" methods="4" coveredmethods="4" conditionals="0" coveredconditionals="0" statements="40" coveredstatements="40" elements="44" coveredelements="44"/>
        </class>
        <line num="21" type="method" name="store" visibility="public" complexity="3" crap="3" count="12"/>
        <line num="23" type="stmt" count="12"/>
        <metrics loc="80" ncloc="64" classes="1" methods="4" coveredmethods="4" conditionals="0" coveredconditionals="0" statements="40" coveredstatements="40" elements="44" coveredelements="44"/>
      </file>
    </package>
    <metrics files="31" loc="2210" ncloc="1702" classes="28" methods="120" coveredmethods="101" conditionals="0" coveredconditionals="0" statements="812" coveredstatements="731" elements="932" coveredelements="832"/>
  </project>
</coverage>
`;

/** What `phpunit --coverage-cobertura` writes (shortened), around the root's own attributes. */
const cobertura = (attrs: string) => `<?xml version="1.0"?>
<coverage ${attrs} branch-rate="0" branches-covered="0" branches-valid="0" complexity="0" version="0.4" timestamp="1764237600">
  <sources><source>/var/www/app</source></sources>
  <packages><package name="App" line-rate="0.1" branch-rate="0" complexity="0"><classes/></package></packages>
</coverage>`;

describe('readCoverage: the format is told by the content', () => {
  test("PHPUnit's Clover: the project's metrics, not a file's", () => {
    assert.deepEqual(readCoverage(CLOVER), {
      format: 'clover',
      pct: 90.02,
      detail: '731 of 812 statements (Clover)',
    });
  });

  test('Cobertura: lines-covered of lines-valid, else line-rate', () => {
    assert.deepEqual(readCoverage(cobertura('line-rate="0.9312" lines-covered="745" lines-valid="800"')), {
      format: 'cobertura',
      pct: 93.13,
      detail: '745 of 800 lines (Cobertura)',
    });
    assert.deepEqual(readCoverage(cobertura('line-rate="0.72"')), {
      format: 'cobertura',
      pct: 72,
      detail: 'line-rate (Cobertura)',
    });
    assert.match(
      (readCoverage(cobertura('line-rate="72"')) as { problem: string }).problem,
      /line-rate that is not a share \("72"\)/,
    );
  });

  test("istanbul's coverage-summary.json, with a byte-order mark and blank lines first", () => {
    assert.deepEqual(
      readCoverage('\uFEFF\n  {"total":{"lines":{"total":10,"covered":9,"skipped":0,"pct":90}}}'),
      {
        format: 'istanbul',
        pct: 90,
        detail: 'lines',
      },
    );
    assert.equal(coverageLinesPct({ total: {} }), undefined);
    assert.match((readCoverage('{"total":{}}') as { problem: string }).problem, /no total\.lines\.pct/);
    assert.match((readCoverage('{"total":') as { problem: string }).problem, /not valid JSON/);
  });

  test('anything else is named for what it is', () => {
    const problem = (text: string) => (readCoverage(text) as { problem: string }).problem;
    assert.match(problem('<!doctype html><html><body>Not found</body></html>'), /DOCTYPE/);
    assert.match(problem('<html><body>Not found</body></html>'), /<html> root, not Clover or Cobertura/);
    assert.match(
      problem('Lines: 93.1% (745/800)'),
      /neither coverage-summary\.json nor Clover or Cobertura XML/,
    );
    assert.match(
      problem('<coverage generated="1"><project/></coverage>'),
      /neither a line-rate .* nor <project><metrics>/,
    );
    assert.match(
      problem('<coverage><project><metrics statements="0" coveredstatements="0"/></project></coverage>'),
      /counted no statements/,
    );
    assert.match(
      problem('<coverage><project><metrics statements="10" coveredstatements="11"/></project></coverage>'),
      /no usable statements\/coveredstatements \("10"\/"11"\)/,
    );
  });
});

describe('readXml cannot be fooled', () => {
  test('metrics inside a comment, CDATA or processing instruction do not count', () => {
    const fooled = `<?xml version="1.0"?>
<!-- <coverage line-rate="1"> -->
<coverage generated="1">
  <?php echo '<metrics statements="1" coveredstatements="1"/>'; ?>
  <project>
    <!-- <metrics statements="100" coveredstatements="100"/> -->
    <file name="a.php"><![CDATA[ <metrics statements="5" coveredstatements="5"/> ]]></file>
    <metrics statements="200" coveredstatements="50" note="a &gt; b &amp; c &#x41;"/>
  </project>
</coverage>`;
    assert.deepEqual(readCoverage(fooled), {
      format: 'clover',
      pct: 25,
      detail: '50 of 200 statements (Clover)',
    });
    const root = readXml(fooled, ['coverage/project', 'coverage/project/metrics']);
    assert.equal(root.children[0]?.children[0]?.attributes.note, 'a > b & c A');
  });

  test('an attribute value may hold > and quotes of the other kind', () => {
    const root = readXml(`<coverage a='x > "y"' b="it's"/>`, []);
    assert.deepEqual(root.attributes, { a: 'x > "y"', b: "it's" });
  });

  test('what is not well-formed is refused, with where', () => {
    const bad = (xml: string) => assert.throws(() => readXml(xml, []), /offset \d+/, xml);
    bad('<coverage><project></coverage>');
    bad('<coverage>');
    bad('<coverage a=1/>');
    bad('<coverage a="1"b="2"/>');
    bad('<coverage a="1" a="2"/>');
    bad('<coverage a="<"/>');
    bad('<coverage/><coverage/>');
    bad('<coverage/> trailing');
    bad('<coverage><!-- open </coverage>');
    bad('<coverage a="x & y"/>');
    bad('<coverage a="&bogus;"/>');
    bad('<!DOCTYPE c [<!ENTITY x "y">]><coverage/>');
    bad('');
  });
});

describe('coverageSource', () => {
  test('a URL, a path on the target, or a local file', () => {
    assert.equal(
      coverageSource('https://ci.example/coverage.xml', () => false),
      'url',
    );
    assert.equal(
      coverageSource('/coverage/clover.xml', () => false),
      'target',
    );
    assert.equal(
      coverageSource('/srv/app/build/logs/clover.xml', () => true),
      'file',
    );
    assert.equal(
      coverageSource('build/logs/clover.xml', () => false),
      'file',
    );
  });
});
