import { defineConfig } from 'vitest/config';

/**
 * `npm run test:edge`: the service behind and in front of the platform's engines, each a real
 * process the test starts and stops (test/edge): nginx's proxy_cache. One file at a time:
 * they share 2 cores.
 */
export default defineConfig({
  test: {
    include: ['test/edge/**/*.edge.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
