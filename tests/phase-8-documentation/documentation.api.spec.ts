// The API documentation: a valid OpenAPI 3 document listing the booking endpoints, and the
// documentation pages resolve.
import { test } from '../../fixtures/index.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'API documentation valid and lists the booking endpoints',
  check({ phase: 8, kind: 'api', covers: 'p8.openapi' }),
  async ({ app, settings }) => {
    const path = requireSetting(settings.OPENAPI_PATH, 'OPENAPI_PATH', 'the OpenAPI document');
    const res = await app.get(path, { headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`Documentation: ${path} answered HTTP ${res.status}`);
    const doc = res.json<Record<string, unknown>>();
    if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
      throw new Error(
        `Documentation: ${path} is not an OpenAPI 3 document (openapi: ${JSON.stringify(doc.openapi ?? null)})`,
      );
    }
    // Loaded here, not at the top: every run's runner loads every spec file to list the checks,
    // and the validator (with ajv) is ~35 ms of that start-up for this one check.
    const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
    try {
      // validate() dereferences in place: give it a copy.
      await SwaggerParser.validate(structuredClone(doc) as never);
    } catch (err) {
      throw new Error(`Documentation: ${path} is not valid OpenAPI: ${(err as Error).message.slice(0, 300)}`);
    }
    const paths = Object.keys((doc.paths ?? {}) as Record<string, unknown>);
    const missing = settings.OPENAPI_REQUIRED_PATHS.filter((p) => !paths.includes(p));
    if (missing.length > 0) throw new Error(`Documentation: ${path} does not document ${missing.join(', ')}`);
  },
);

test(
  'Documentation links resolve',
  check({ phase: 8, kind: 'api', covers: 'p8.doc-links' }),
  async ({ app, settings }) => {
    if (settings.DOC_LINKS.length === 0) requireSetting(undefined, 'DOC_LINKS', 'documentation pages');
    const wrong: string[] = [];
    for (const link of settings.DOC_LINKS) {
      try {
        const res = await app.get(link);
        if (res.status !== 200) wrong.push(`${link} answered HTTP ${res.status}`);
      } catch (err) {
        wrong.push((err as Error).message);
      }
    }
    if (wrong.length > 0) throw new Error(`Documentation links: ${wrong.join('; ')}`);
  },
);
