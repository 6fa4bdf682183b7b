import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: the demo page in headless Chromium (Debian's chromium, driven by
 * playwright-core), against the service in this process on the real PostgreSQL and Redis
 * when TEST_DATABASE_URL and TEST_REDIS_URL are set (PGlite and the in-process cache otherwise).
 * One file at a time: a browser takes a core.
 */
export default defineConfig({
  resolve: { alias: { '@sportsbook/sidebar-client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
