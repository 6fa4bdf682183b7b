import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: several instances of the built service, and one instance with
 * several workers, sharing the machine's PostgreSQL and Redis (test/cluster). One file at a
 * time: the instances, the load and the database share 2 cores.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.cluster.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
