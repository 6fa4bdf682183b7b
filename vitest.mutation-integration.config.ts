import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against the mutants of the sidebar service and the importer
 * (stryker.integration.config.mjs): lean integration files, one database per file, on the
 * embedded defaults (the mutation script unsets TEST_DATABASE_URL and TEST_REDIS_URL). The
 * wider integration files (the API, degradation, versioning) also cover the service, but
 * reran for each of its mutants they would take well over an hour on two cores.
 */
export default defineConfig({
  test: {
    include: ['test/integration/sidebar-service.test.ts', 'test/integration/importer.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
