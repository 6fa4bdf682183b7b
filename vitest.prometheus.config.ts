import { defineConfig } from 'vitest/config';

/**
 * `npm run test:prometheus`: Debian's Prometheus (the `prometheus` package) scraping the built
 * service, with the repository's alerting rules (test/prometheus). The rules' own unit tests run
 * with promtool (.ci/prometheus).
 */
export default defineConfig({
  test: {
    include: ['test/prometheus/**/*.prometheus.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
