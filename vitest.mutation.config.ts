import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against the mutants of stryker.config.json (`npm run
 * test:mutation:unit`): the unit tests, milliseconds per mutant. The modules whose behaviour
 * is about the database or the cache are mutated apart, against integration tests
 * (stryker.integration.config.mjs, vitest.mutation-integration.config.ts).
 */
export default defineConfig({
  // The typed client from its source (the package's dist is what its users import; tsc checks its types).
  resolve: { alias: { '@sportsbook/sidebar-client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
