// Cal.com's API answers our key with a proper success envelope.
import { test } from '../../fixtures/index.ts';
import { requireSetting } from '../../fixtures/settings.ts';
import { check } from '../../fixtures/tags.ts';

test(
  'Cal.com API reachable',
  check({ phase: 1, kind: 'api', covers: 'p1.calcom-reachable' }),
  async ({ calcom, settings }) => {
    requireSetting(settings.calcomApiUrl, 'CALCOM_API_URL', 'the Cal.com API base URL');
    const page = await calcom.listPage({}, 1, 0);
    if (page.pagination.returnedItems !== page.data.length) {
      throw new Error(
        `Cal.com API GET /v2/bookings: pagination says ${page.pagination.returnedItems} returned, the page holds ${page.data.length}`,
      );
    }
  },
);
