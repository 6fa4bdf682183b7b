import { defineConfig } from 'vitest/config';

/**
 * `npm run test:edge`: the built service among the platform's engines, each a real process the
 * test starts and stops (test/edge): behind nginx's proxy_cache, on a streaming read replica,
 * on a Redis Cluster and a Sentinel-watched Redis.
 * One file at a time: they share 2 cores.
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
