import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against the mutants of stryker.config.json (`npm run
 * test:mutation:unit`): the unit tests, milliseconds per mutant. The modules whose behaviour
 * is about the database or the cache are mutated apart, against integration tests
 * (stryker.integration.config.mjs, vitest.mutation-integration.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
