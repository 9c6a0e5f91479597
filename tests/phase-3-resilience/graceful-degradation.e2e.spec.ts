// "System shows graceful degradation": the detailed health says which dependencies are out; with
// one out, the appointment form must still answer and tell the user (DEGRADED_NOTICE_PATTERN);
// with all up, it must answer without that notice. Reads only: it never causes an outage.
import { settle } from '../../fixtures/browser.ts';
import { requireSetting, test } from '../../fixtures/index.ts';
import { check } from '../../fixtures/tags.ts';
import { dependencyOutages, healthMapping } from '../../fixtures/health-formats.ts';
import { degradationVerdict, settingPattern } from '../../fixtures/page-verdicts.ts';

// A notice rendered by a script after an API call needs a moment after the load event.
const NOTICE_WAIT_MS = 5_000;

test(
  'Graceful degradation',
  check({ phase: 3, kind: 'e2e', covers: 'p3.graceful-degradation' }),
  async ({ app, readerPage: page, snap, visit, settings }) => {
    const healthPath = requireSetting(
      settings.HEALTH_DETAILED_PATH,
      'HEALTH_DETAILED_PATH',
      'the detailed health endpoint that reports each dependency',
    );
    const mapping = healthMapping(settings);
    if (mapping.dependencyPaths.length === 0)
      requireSetting(undefined, 'HEALTH_DEPENDENCY_PATH', 'where the detailed health shows each dependency');
    const res = await app.get(healthPath, { headers: { accept: 'application/json' } });
    const reading = dependencyOutages(res.json(), settings.DEGRADATION_DEPENDENCIES, mapping);
    // Not one of them reported: a wrong mapping, or a health answer that is no report at all.
    if (reading.unreported.length === settings.DEGRADATION_DEPENDENCIES.length) {
      throw new Error(
        `${healthPath} answered HTTP ${res.status} without ${reading.unreported.join(', ')} (DEGRADATION_DEPENDENCIES, read at ${mapping.dependencyPaths.join(' or ')}): cannot tell which dependency is out`,
      );
    }
    const { outages } = reading;

    const status = await visit(page, settings.APPOINTMENT_FORM_PATH, 'appointment form');
    const notice = page
      .getByText(settingPattern('DEGRADED_NOTICE_PATTERN', settings.DEGRADED_NOTICE_PATTERN))
      .first();
    let noticeShown: boolean;
    if (outages.length > 0) {
      noticeShown = await notice
        .waitFor({ state: 'visible', timeout: NOTICE_WAIT_MS })
        .then(() => true)
        .catch(() => false);
      await snap(page, 'degraded form');
    } else {
      // A page that keeps polling never settles; the notice is judged as it is now.
      await settle(page, NOTICE_WAIT_MS);
      noticeShown = await notice.isVisible();
    }
    const v = degradationVerdict({ outages, status, noticeShown });
    if (!v.ok) throw new Error(v.message);
    console.log(v.message);
  },
);
