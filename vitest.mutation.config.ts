import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`). For now the unit
 * tests, which cover the modules mutated so far in milliseconds per mutant; the modules whose
 * behaviour is about the database or the cache (the sidebar service, the importer) need the
 * integration tests on the embedded defaults (the mutation script unsets TEST_DATABASE_URL and
 * TEST_REDIS_URL), which cost a full run about 1 h 40 min on two cores: see docs/testing.md.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
