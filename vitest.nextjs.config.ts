import { defineConfig } from 'vitest/config';

/**
 * `npm run test:nextjs`: the Next.js example application (examples/nextjs, its dependencies
 * installed by the script) built and started against the service, in Debian's headless Chromium
 * (test/nextjs). The build takes a minute or two of both cores.
 */
export default defineConfig({
  test: {
    include: ['test/nextjs/**/*.nextjs.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
