// @ts-check
import { readFileSync } from 'node:fs';

/**
 * The second half of `npm run test:mutation`: the modules whose behaviour is about the
 * database or the cache (the sidebar service, the feed importer), mutated against lean
 * integration test files on the embedded defaults (PGlite and the in-process cache). Kept
 * apart from stryker.config.json so these slower tests (seconds per mutant, not milliseconds)
 * only ever run for these two modules' mutants. Everything else as in stryker.config.json.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const base = JSON.parse(readFileSync(new URL('./stryker.config.json', import.meta.url), 'utf8'));
delete base.$schema;
delete base._comment;

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'vitest.mutation-integration.config.ts' },
  mutate: [
    'src/sidebar/service.ts',
    'src/sidebar/read-path.ts',
    'src/sidebar/refreshes.ts',
    'src/sidebar/announcements.ts',
    'src/sidebar/shared-cache.ts',
    'src/feeds/importer.ts',
  ],
  incrementalFile: 'reports/stryker-integration-incremental.json',
  jsonReporter: { fileName: 'reports/mutation/integration.json' },
  // Its own sandbox, so the two runs never share one.
  tempDirName: '.stryker-tmp-integration',
};
