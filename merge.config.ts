// `npx playwright merge-reports -c merge.config.ts <blob dirs>`: the phase report tree and
// Playwright's HTML report from the blobs of N shards (DESIGN.md "Scaling out"). The phase
// reporter reads its settings from the environment (config/env.ts) and the phase from the
// checks' tags, so the merged tree matches an unsharded run.
export default {
  testDir: './tests',
  reporter: [['./reporters/reporter.ts'], ['html', { open: 'never' }]],
};
